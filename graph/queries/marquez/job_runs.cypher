// The runs of the job $job (a uid), newest start first: the page from $offset and how many
// there are, each with the versions it read and wrote. No row when there is no such job.
MATCH (j:Node {uid: $job}) WHERE j.kind = 'Job'
WITH j, COLLECT {
  MATCH (r:Run)-[:RUN_OF]->(j)
  RETURN r ORDER BY coalesce(r.started_at, r.first_event_at, r.recorded_at) DESC, r.key DESC
} AS listed
CALL (listed, j) {
  UNWIND listed[$offset..$offset + $limit] AS r
  RETURN collect({
    run: properties(r),
    job: {namespace: j.namespace, name: j.name},
    inputs: COLLECT { MATCH (r)-[:USED]->(u:DatasetVersion)-[:VERSION_OF]->(ud:Dataset)
                      WHERE ud.namespace IS NOT NULL
                      RETURN {namespace: ud.namespace, name: ud.name, version: u.version} AS id },
    outputs: COLLECT { MATCH (r)-[:GENERATED]->(g:DatasetVersion)-[:VERSION_OF]->(gd:Dataset)
                       WHERE gd.namespace IS NOT NULL
                       RETURN {namespace: gd.namespace, name: gd.name, version: g.version} AS id }
  }) AS rows
}
RETURN size(listed) AS total, rows
