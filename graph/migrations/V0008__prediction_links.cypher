// Predictions keep MADE_BY as properties (rules.PROPERTY_LINKS): `deployment` and
// `model_version` hold the keys of what made them, indexed with the prediction's time so
// that counts and time ranges per deployment or version are index range scans. Stored
// MADE_BY relationships are folded into those properties (every writer set them already;
// this covers any that did not) and removed, in batches so that a large catalog does not
// need one huge transaction. Idempotent.
CREATE INDEX prediction_deployment_time IF NOT EXISTS FOR (n:Prediction) ON (n.deployment, n.time);
CREATE INDEX prediction_model_version_time IF NOT EXISTS FOR (n:Prediction) ON (n.model_version, n.time);
CALL db.awaitIndexes(600);
MATCH (p:Prediction)-[r:MADE_BY]->(t:Node)
CALL (p, r, t) {
  SET p.deployment = CASE WHEN t:Deployment THEN t.key ELSE p.deployment END,
      p.model_version = CASE WHEN t:ModelVersion THEN t.key ELSE p.model_version END
  DELETE r
} IN TRANSACTIONS OF 10000 ROWS;
