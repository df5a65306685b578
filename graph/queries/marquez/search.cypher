// Marquez's search: OpenLineage datasets and jobs ($kinds) whose name matches $pattern (a
// case-insensitive regular expression built from the caller's pattern with every other
// character escaped), by name or, with $by_time, newest first; the first $limit and how
// many match.
MATCH (n:Node)
WHERE n.kind IN $kinds AND n.namespace IS NOT NULL AND n.name =~ $pattern
WITH n ORDER BY CASE WHEN $by_time THEN n.recorded_at END DESC, n.name, n.key
WITH collect(n) AS listed
RETURN size(listed) AS total,
       [n IN listed[0..$limit] |
        {kind: n.kind, namespace: n.namespace, name: n.name, updated_at: n.recorded_at}] AS rows
