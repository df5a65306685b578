// Bulk load of prediction logs: each row a prediction MADE_BY a deployment and a model
// version (both checked to exist before, in the same transaction). Idempotent by uid.
UNWIND $rows AS row
MATCH (d:Node {uid: row.deployment_uid})
MATCH (mv:Node {uid: row.model_version_uid})
MERGE (p:Node {uid: row.uid})
ON CREATE SET p:Prediction, p.kind = 'Prediction', p.key = row.key, p.recorded_at = $now
SET p.time = row.time, p.output = row.output, p.deployment = row.deployment,
    p.model_version = row.model_version
MERGE (p)-[a:MADE_BY]->(d)
ON CREATE SET a.recorded_at = $now
MERGE (p)-[b:MADE_BY]->(mv)
ON CREATE SET b.recorded_at = $now
RETURN count(*) AS loaded
