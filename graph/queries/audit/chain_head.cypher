// Where the chain's head says it ends (absent before the first change).
OPTIONAL MATCH (c:AuditChain {id: 'main'})
RETURN c.seq AS seq, c.hash AS hash
