// An approval and the version it is for, the approval write-locked until the transaction
// ends, so two decisions on one request run one after another.
MATCH (a:Approval {key: $key})-[:FOR]->(mv:ModelVersion)
SET a._lock = true REMOVE a._lock
RETURN properties(a) AS approval, mv.key AS model_version
