// Delete every node but the migration records, in batches (a benchmark graph is too big
// for one transaction). Lowest degree first: by the time a dense node (a deployment with a
// million predictions) is deleted, its relationships are gone, so no batch holds them all.
// Needs an auto-commit transaction: see Graph.run_batched.
MATCH (n)
WHERE NOT n:SchemaMigration
WITH n ORDER BY COUNT { (n)--() }
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
