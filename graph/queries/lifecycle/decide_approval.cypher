// Record the decision on a promotion request.
MATCH (a:Approval {key: $key})-[:FOR]->(mv:ModelVersion)
SET a.status = $status, a.decided_by = $decided_by, a.decided_at = $now,
    a.decision_reason = $reason
RETURN properties(a) AS approval, mv.key AS model_version
