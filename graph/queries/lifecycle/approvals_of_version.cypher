// The promotion requests of a model version, newest first.
MATCH (a:Approval)-[:FOR]->(mv:Node {uid: $uid})
RETURN properties(a) AS approval, mv.key AS model_version
ORDER BY a.requested_at DESC, a.key
