// Explorer badges: for each classification, which of $uids it reaches along lineage, by the
// rule of Q4 (questions/classifications_of.cypher and lineage/upstream.cypher) walked the
// other way: from every node classified (recorded by $as_of) and the versions of a
// classified dataset or model, downstream through runs (started by $as_of), at most $depth
// run-levels (<= 20). One breadth-first search per classification; classifications are few.
// Then, as lineage/start_points.cypher starts Q4 from them: a Deployment of $uids is reached
// when a model version it serves at $at is, a Prediction when its model version is.
MATCH (c:Classification)<-[r:CLASSIFIED_AS]-(h:Node)
WHERE $as_of IS NULL OR r.recorded_at <= $as_of
OPTIONAL MATCH (v:Node)-[:VERSION_OF]->(h)
WITH c, collect(DISTINCT h) + collect(DISTINCT v) AS holders
CALL (holders) {
  WITH holders AS frontier, holders AS found
// @repeat 20
  CALL (frontier) {
    UNWIND frontier AS f
    MATCH (f)<-[:USED]-(r:Run)
    WHERE $depth >= ROUND
      AND ($as_of IS NULL OR coalesce(r.started_at, r.recorded_at) <= $as_of)
    MATCH (r)-[:GENERATED]->(g:Node)
    RETURN collect(DISTINCT g) AS gs
  }
  WITH [g IN gs WHERE NOT g IN found] AS frontier, found
  WITH frontier, found + frontier AS found
// @end
  WITH [x IN found | x.uid] AS found
  CALL (found) {
    MATCH (d:Node)-[r:SERVED]->(mv:ModelVersion)
    WHERE d.uid IN $uids AND d:Deployment AND mv.uid IN found
      AND r.valid_from <= $at AND (r.valid_to IS NULL OR r.valid_to > $at)
    RETURN collect(DISTINCT d.uid) AS deployments
  }
  CALL (found) {
    MATCH (p:Node)
    WHERE p.uid IN $uids AND p:Prediction AND 'ModelVersion:' + p.model_version IN found
    RETURN collect(p.uid) AS predictions
  }
  RETURN [x IN found WHERE x IN $uids] + deployments + predictions AS reached
}
WITH c, reached
WHERE size(reached) > 0
RETURN collect({classification: c.key, uids: reached}) AS rows
