// Marquez's namespaces: the distinct namespaces of the OpenLineage datasets and jobs
// ($kinds), by name; the page from $offset and how many there are. $name keeps one.
MATCH (n:Node)
WHERE n.kind IN $kinds AND n.namespace IS NOT NULL AND ($name IS NULL OR n.namespace = $name)
WITH n.namespace AS name, min(n.recorded_at) AS created_at, max(n.recorded_at) AS updated_at
ORDER BY name
WITH collect({name: name, created_at: created_at, updated_at: updated_at}) AS listed
RETURN size(listed) AS total, listed[$offset..$offset + $limit] AS rows
