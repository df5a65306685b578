// Delete the catalog's content, in batches (a benchmark graph is too big for one
// transaction). Kept: migration records, the audit trail and access log, and accounts
// (people and service accounts with roles) with their tokens, so reloading the catalog
// neither rewrites history nor logs anyone out. Lowest degree first: by the time a dense
// node (a deployment with a million predictions) is deleted, its relationships are gone,
// so no batch holds them all. Needs an auto-commit transaction: see Graph.run_batched.
MATCH (n)
WHERE NOT (n:SchemaMigration OR n:AuditEvent OR n:AuditChain OR n:AccessEvent OR n:ApiToken)
  AND n.roles IS NULL
WITH n ORDER BY COUNT { (n)--() }
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
