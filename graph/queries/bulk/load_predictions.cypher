// Bulk load of prediction logs, grouped by (deployment, model version). Row: [key, time in
// epoch microseconds, output]. References were checked in the same transaction. A
// prediction's MADE_BY links are its deployment and model_version properties
// (rules.PROPERTY_LINKS; indexed with its time, V0008), so a row writes one node and no
// relationship: nothing locks the deployment or the version, which every row shares.
// Idempotent: loading a prediction again rewrites its values, as recordPrediction does.
// Rows of one key land in order: the last one's values stay.
UNWIND $groups AS g
UNWIND g.rows AS row
MERGE (p:Node {uid: 'Prediction:' + row[0]})
ON CREATE SET p:Prediction, p.kind = 'Prediction', p.key = row[0], p.recorded_at = $now
SET p.deployment = g.deployment, p.model_version = g.model_version,
    p.time = datetime.fromepoch(row[1] / 1000000, row[1] % 1000000 * 1000),
    p.output = row[2]
RETURN count(*) AS written
