// Marquez's jobs of namespace $namespace by name (keys start with $prefix, the quoted
// "<namespace>/"), the page from $offset and how many there are; $name keeps one. Each
// with the datasets its runs read and wrote (over every run: the job-level view) and its
// latest run (newest start) with the versions that run read and wrote.
MATCH (j:Node)
WHERE j.kind = 'Job' AND j.key STARTS WITH $prefix AND j.namespace = $namespace
  AND ($name IS NULL OR j.name = $name)
WITH j ORDER BY j.name, j.key
WITH collect(j) AS listed
CALL (listed) {
  UNWIND listed[$offset..$offset + $limit] AS j
  WITH j, head(COLLECT {
    MATCH (r:Run)-[:RUN_OF]->(j)
    RETURN r ORDER BY coalesce(r.started_at, r.first_event_at, r.recorded_at) DESC, r.key DESC
    LIMIT 1
  }) AS r
  RETURN collect({
    uid: j.uid, job: properties(j),
    inputs: COLLECT { MATCH (j)<-[:RUN_OF]-(:Run)-[:USED]->(:DatasetVersion)-[:VERSION_OF]->(d:Dataset)
                      WHERE d.namespace IS NOT NULL
                      RETURN DISTINCT {namespace: d.namespace, name: d.name} AS id },
    outputs: COLLECT { MATCH (j)<-[:RUN_OF]-(:Run)-[:GENERATED]->(:DatasetVersion)-[:VERSION_OF]->(d:Dataset)
                       WHERE d.namespace IS NOT NULL
                       RETURN DISTINCT {namespace: d.namespace, name: d.name} AS id },
    latest: CASE WHEN r IS NULL THEN null ELSE {
      run: properties(r),
      job: {namespace: j.namespace, name: j.name},
      inputs: COLLECT { MATCH (r)-[:USED]->(u:DatasetVersion)-[:VERSION_OF]->(ud:Dataset)
                        WHERE ud.namespace IS NOT NULL
                        RETURN {namespace: ud.namespace, name: ud.name, version: u.version} AS id },
      outputs: COLLECT { MATCH (r)-[:GENERATED]->(g:DatasetVersion)-[:VERSION_OF]->(gd:Dataset)
                         WHERE gd.namespace IS NOT NULL
                         RETURN {namespace: gd.namespace, name: gd.name, version: g.version} AS id }
    } END
  }) AS rows
}
RETURN size(listed) AS total, rows
