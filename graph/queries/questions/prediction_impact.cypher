// Q2: for affected model versions, the deployments that served them and, per deployment,
// how many predictions those versions made there and when (counts, never the rows).
UNWIND $model_versions AS mv_uid
MATCH (mv:Node {uid: mv_uid})
CALL (mv) {
  MATCH (d:Deployment)-[s:SERVED]->(mv)
  WITH DISTINCT d
  OPTIONAL MATCH (mv)<-[:MADE_BY]-(p:Prediction)-[:MADE_BY]->(d)
  RETURN d, count(p) AS predictions, min(p.time) AS first, max(p.time) AS last
}
RETURN d.kind AS kind, d.key AS key, properties(d) AS props, mv.uid AS model_version,
       predictions, first, last
ORDER BY key, model_version
