// Delete every node but the migration records, in batches (a benchmark graph is too big
// for one transaction). Needs an auto-commit transaction: see Graph.run_batched.
MATCH (n)
WHERE NOT n:SchemaMigration
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
