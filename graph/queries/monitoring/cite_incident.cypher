// A lifecycle change (a promotion request or approval, a deployment, a promotion to
// champion, a rollback) cites an incident: kept on the incident's link to the version acted
// on, and on the approval when there is one.
MATCH (i:Incident {key: $incident})
MATCH (mv:Node {uid: $model_version})
CREATE (i)-[:CITED {action: $action, at: $now, by: $by, reason: $reason,
                    approval: $approval, deployment: $deployment}]->(mv)
WITH i
OPTIONAL MATCH (a:Approval {key: $approval})
FOREACH (_ IN CASE WHEN a IS NULL THEN [] ELSE [1] END |
  SET a.incidents = coalesce(a.incidents, []) + [$incident])
RETURN i.key AS key
