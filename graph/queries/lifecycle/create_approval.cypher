// A pending promotion request for a model version. Approvals are not catalog nodes
// (:Node), so no generic catalog query reads or changes them.
MATCH (mv:Node {uid: $model_version})
WHERE mv:ModelVersion
CREATE (a:Approval {
  key: $key, status: 'pending', to_stage: $to_stage, requested_by: $requested_by,
  requested_at: $now, request_reason: $reason
})-[:FOR]->(mv)
RETURN properties(a) AS approval, mv.key AS model_version
