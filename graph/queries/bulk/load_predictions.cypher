// Bulk load of prediction logs, grouped by (deployment, model version) so each group's two
// nodes are looked up once. Row: [key, time in epoch microseconds, output]. References were
// checked in the same transaction. Idempotent: a prediction's MADE_BY links are created with
// it, once; loading it again only rewrites its time and output.
UNWIND $groups AS g
MATCH (d:Node {uid: 'Deployment:' + g.deployment})
MATCH (mv:Node {uid: 'ModelVersion:' + g.model_version})
UNWIND g.rows AS row
MERGE (p:Node {uid: 'Prediction:' + row[0]})
ON CREATE SET p:Prediction, p.kind = 'Prediction', p.key = row[0], p.recorded_at = $now,
              p.deployment = g.deployment, p.model_version = g.model_version
SET p.time = datetime.fromepoch(row[1] / 1000000, row[1] % 1000000 * 1000),
    p.output = row[2]
WITH p, d, mv
WHERE NOT EXISTS { (p)-[:MADE_BY]->() }
CREATE (p)-[:MADE_BY {recorded_at: $now}]->(d), (p)-[:MADE_BY {recorded_at: $now}]->(mv)
RETURN count(*) AS created
