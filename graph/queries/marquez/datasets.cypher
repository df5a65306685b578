// Marquez's datasets of namespace $namespace by name (keys start with $prefix, the quoted
// "<namespace>/"), the page from $offset and how many there are; $name keeps one. Each
// with its current version (the newest that a run generated or, else, was recorded; never
// a placeholder), when a completed run last wrote it, and its classifications (as tags).
MATCH (d:Node)
WHERE d.kind = 'Dataset' AND d.key STARTS WITH $prefix AND d.namespace = $namespace
  AND ($name IS NULL OR d.name = $name)
WITH d ORDER BY d.name, d.key
WITH collect(d) AS listed
CALL (listed) {
  UNWIND listed[$offset..$offset + $limit] AS d
  WITH d, head(COLLECT {
    MATCH (v:DatasetVersion)-[:VERSION_OF]->(d) WHERE v.placeholder IS NULL
    OPTIONAL MATCH (r:Run)-[:GENERATED]->(v)
    WITH v, max(coalesce(r.ended_at, r.started_at, r.first_event_at)) AS made
    RETURN v ORDER BY coalesce(made, v.recorded_at) DESC, v.key DESC LIMIT 1
  }) AS v
  RETURN collect({
    uid: d.uid, dataset: properties(d), version_uid: v.uid, version: properties(v),
    modified: head(COLLECT {
      MATCH (r:Run)-[:GENERATED]->(:DatasetVersion)-[:VERSION_OF]->(d)
      WHERE r.status = 'completed' AND r.ended_at IS NOT NULL
      RETURN r.ended_at AS t ORDER BY t DESC LIMIT 1
    }),
    tags: COLLECT { MATCH (d)-[:CLASSIFIED_AS]->(c:Classification) RETURN DISTINCT c.key }
  }) AS rows
}
RETURN size(listed) AS total, rows
