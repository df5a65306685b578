// Marquez's lineage graph around $start (a Dataset or Job uid): the OpenLineage datasets
// and jobs within $depth edges of it (<= 20), edges taken either way, at the dataset and
// job level: job -> dataset when a run of the job generated a version of the dataset,
// dataset -> job when a run of it used one (the union over every version and run).
// Breadth-first, one round per level. No row when there is no such node.
MATCH (start:Node {uid: $start}) WHERE start.kind IN ['Dataset', 'Job']
WITH [start] AS frontier, [start] AS found
// @repeat 20
WITH found, COLLECT {
  UNWIND frontier AS f
  MATCH (f:Dataset)<-[:VERSION_OF]-(:DatasetVersion)<-[:USED|GENERATED]-(:Run)-[:RUN_OF]->(x:Job)
  WHERE $depth >= ROUND AND x.namespace IS NOT NULL
  RETURN x
  UNION
  UNWIND frontier AS f
  MATCH (f:Job)<-[:RUN_OF]-(:Run)-[:USED|GENERATED]->(:DatasetVersion)-[:VERSION_OF]->(x:Dataset)
  WHERE $depth >= ROUND AND x.namespace IS NOT NULL
  RETURN x
} AS reached
WITH found, [x IN reached WHERE NOT x IN found] AS frontier
WITH found + frontier AS found, frontier
// @end
CALL (found) {
  UNWIND found AS j
  WITH j WHERE j:Job
  MATCH (j)<-[:RUN_OF]-(:Run)-[e:USED|GENERATED]->(:DatasetVersion)-[:VERSION_OF]->(d:Dataset)
  WHERE d IN found
  RETURN collect(DISTINCT {job: j.uid, dataset: d.uid, output: type(e) = 'GENERATED'}) AS edges
}
CALL (found) {
  UNWIND found AS d
  WITH d WHERE d:Dataset
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
  }) AS datasets
}
CALL (found) {
  UNWIND found AS j
  WITH j WHERE j:Job
  WITH j, head(COLLECT {
    MATCH (r:Run)-[:RUN_OF]->(j)
    RETURN r ORDER BY coalesce(r.started_at, r.first_event_at, r.recorded_at) DESC, r.key DESC
    LIMIT 1
  }) AS r
  RETURN collect({
    uid: j.uid, job: properties(j),
    latest: CASE WHEN r IS NULL THEN null
            ELSE {run: properties(r), job: {namespace: j.namespace, name: j.name},
                  inputs: [], outputs: []} END
  }) AS jobs
}
RETURN datasets, jobs, edges
