// The PredictionDay of every (model version, deployment, UTC day) with predictions,
// counted from the stored predictions (one shard), after predictions/delete_days.cypher:
// what the offline import (and migration V0009) leaves, the writers then keep up to date.
// Needs an auto-commit transaction: see Graph.run_batched.
MATCH (p:Prediction)
WHERE p.time IS NOT NULL AND p.deployment IS NOT NULL AND p.model_version IS NOT NULL
WITH p.model_version AS model_version, p.deployment AS deployment, date(p.time) AS day,
     count(*) AS n, min(p.time) AS first, max(p.time) AS last
CALL (model_version, deployment, day, n, first, last) {
  CREATE (:PredictionDay {model_version: model_version, deployment: deployment, day: day,
                          shard: 0, count: n, first: first, last: last})
} IN TRANSACTIONS OF 10000 ROWS
