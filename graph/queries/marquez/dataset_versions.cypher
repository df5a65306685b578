// The versions of the dataset $dataset (a uid), newest first (by when the run that
// generated each ended or started, else when it was recorded; placeholders left out): the
// page from $offset and how many there are, each with the run that generated it. No row
// when there is no such dataset.
MATCH (d:Node {uid: $dataset}) WHERE d.kind = 'Dataset'
WITH d, COLLECT {
  MATCH (v:DatasetVersion)-[:VERSION_OF]->(d) WHERE v.placeholder IS NULL
  OPTIONAL MATCH (r:Run)-[:GENERATED]->(v)
  WITH v, r ORDER BY coalesce(r.started_at, r.first_event_at), r.key
  WITH v, head(collect(r)) AS r
  RETURN {v: v, r: r} AS x
  ORDER BY coalesce(r.ended_at, r.started_at, r.first_event_at, v.recorded_at) DESC, v.key DESC
} AS listed
CALL (listed) {
  UNWIND listed[$offset..$offset + $limit] AS x
  WITH x.v AS v, x.r AS r
  RETURN collect({
    uid: v.uid, version: properties(v),
    run: CASE WHEN r IS NULL THEN null ELSE {
      run: properties(r),
      job: head(COLLECT { MATCH (r)-[:RUN_OF]->(j:Job)
                          RETURN {namespace: j.namespace, name: j.name} AS id }),
      inputs: COLLECT { MATCH (r)-[:USED]->(u:DatasetVersion)-[:VERSION_OF]->(ud:Dataset)
                        WHERE ud.namespace IS NOT NULL
                        RETURN {namespace: ud.namespace, name: ud.name, version: u.version} AS id },
      outputs: COLLECT { MATCH (r)-[:GENERATED]->(g:DatasetVersion)-[:VERSION_OF]->(gd:Dataset)
                         WHERE gd.namespace IS NOT NULL
                         RETURN {namespace: gd.namespace, name: gd.name, version: g.version} AS id }
    } END
  }) AS rows
}
RETURN d.uid AS dataset, properties(d) AS props, size(listed) AS total, rows
