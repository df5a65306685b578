// Marquez's lineage events, rebuilt from what is stored (the catalog keeps no raw event):
// one per run of an OpenLineage job, at its latest time (end, else start, else first
// event), between $after and $before when given, newest first (oldest with $ascending);
// the page from $offset and how many there are, each with the versions it read and wrote.
MATCH (r:Node)-[:RUN_OF]->(j:Job)
WHERE r.kind = 'Run' AND j.namespace IS NOT NULL
WITH r, j, coalesce(r.ended_at, r.started_at, r.first_event_at, r.recorded_at) AS at
WHERE ($after IS NULL OR at >= $after) AND ($before IS NULL OR at <= $before)
WITH r, j, at
ORDER BY CASE WHEN $ascending THEN at END, CASE WHEN $ascending THEN null ELSE at END DESC, r.key
WITH collect({r: r, j: j, at: at}) AS listed
CALL (listed) {
  UNWIND listed[$offset..$offset + $limit] AS x
  WITH x.r AS r, x.j AS j, x.at AS at
  RETURN collect({
    at: at, run: properties(r), job: properties(j),
    inputs: COLLECT { MATCH (r)-[:USED]->(u:DatasetVersion)-[:VERSION_OF]->(ud:Dataset)
                      WHERE ud.namespace IS NOT NULL
                      RETURN {namespace: ud.namespace, name: ud.name, version: u.version} AS id },
    outputs: COLLECT { MATCH (r)-[:GENERATED]->(g:DatasetVersion)-[:VERSION_OF]->(gd:Dataset)
                       WHERE gd.namespace IS NOT NULL
                       RETURN {namespace: gd.namespace, name: gd.name, version: g.version} AS id }
  }) AS rows
}
RETURN size(listed) AS total, rows
