// Q2: for affected model versions, the deployments that served them and, per deployment,
// how many predictions those versions made there and when (counts, never the rows);
// with $as_of, only serving that had begun and predictions made before then.
UNWIND $model_versions AS mv_uid
MATCH (mv:Node {uid: mv_uid})
CALL (mv) {
  MATCH (d:Deployment)-[s:SERVED]->(mv)
  WHERE $as_of IS NULL OR s.valid_from <= $as_of
  WITH DISTINCT d
  // MADE_BY is the prediction's model_version and deployment (rules.PROPERTY_LINKS): an
  // index range scan on (model_version, time).
  OPTIONAL MATCH (p:Prediction)
  WHERE p.model_version = mv.key AND p.deployment = d.key AND p.time IS NOT NULL
    AND ($as_of IS NULL OR p.time < $as_of)
  RETURN d, count(p) AS predictions, min(p.time) AS first, max(p.time) AS last
}
RETURN d.kind AS kind, d.key AS key, properties(d) AS props, mv.uid AS model_version,
       predictions, first, last
ORDER BY key, model_version
