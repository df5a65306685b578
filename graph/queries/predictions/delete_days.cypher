// Every PredictionDay, deleted in batches, before predictions/rebuild_days.cypher counts
// them afresh. Needs an auto-commit transaction: see Graph.run_batched.
MATCH (h:PredictionDay)
CALL (h) { DELETE h } IN TRANSACTIONS OF 10000 ROWS
