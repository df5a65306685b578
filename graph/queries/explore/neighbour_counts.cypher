// Explorer: for each of $uids, how many lineage neighbours it has one hop up and one hop
// down, by kind, by the rule of explore/neighbours.cypher (same hops, same $as_of and $at).
UNWIND $uids AS uid
MATCH (n:Node {uid: uid})
CALL (n) {
  MATCH (n)<-[:GENERATED]-(m:Run)
  WHERE $as_of IS NULL OR coalesce(m.started_at, m.recorded_at) <= $as_of
  RETURN 'up' AS dir, m
  UNION
  MATCH (n:Run)-[:USED|EXECUTED]->(m:Node)
  RETURN 'up' AS dir, m
  UNION
  MATCH (n:Deployment)-[e:SERVED]->(m:ModelVersion)
  WHERE (e.valid_from IS NULL OR e.valid_from <= $at) AND (e.valid_to IS NULL OR e.valid_to > $at)
  RETURN 'up' AS dir, m
  UNION
  // MADE_BY: the prediction's deployment and model_version properties (rules.PROPERTY_LINKS).
  MATCH (m:Node)
  WHERE n:Prediction
    AND m.uid IN ['Deployment:' + n.deployment, 'ModelVersion:' + n.model_version]
  RETURN 'up' AS dir, m
  UNION
  MATCH (n)<-[:USED]-(m:Run)
  WHERE $as_of IS NULL OR coalesce(m.started_at, m.recorded_at) <= $as_of
  RETURN 'down' AS dir, m
  UNION
  MATCH (n:Run)-[:GENERATED]->(m:Node)
  RETURN 'down' AS dir, m
  UNION
  MATCH (n:CodeCommit)<-[:EXECUTED]-(m:Run)
  WHERE $as_of IS NULL OR coalesce(m.started_at, m.recorded_at) <= $as_of
  RETURN 'down' AS dir, m
  UNION
  MATCH (n:ModelVersion)<-[e:SERVED]-(m:Deployment)
  WHERE (e.valid_from IS NULL OR e.valid_from <= $at) AND (e.valid_to IS NULL OR e.valid_to > $at)
  RETURN 'down' AS dir, m
  UNION
  MATCH (m:Prediction)
  WHERE n:Deployment AND m.deployment = n.key AND m.time IS NOT NULL
    AND ($as_of IS NULL OR m.time <= $as_of)
  RETURN 'down' AS dir, m
  UNION
  MATCH (m:Prediction)
  WHERE n:ModelVersion AND m.model_version = n.key AND m.time IS NOT NULL
    AND ($as_of IS NULL OR m.time <= $as_of)
  RETURN 'down' AS dir, m
}
WITH uid, dir, m.kind AS kind, count(DISTINCT m) AS count
RETURN collect({uid: uid, dir: dir, kind: kind, count: count}) AS rows
