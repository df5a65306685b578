// Append the transaction's audit events and move the chain's head to the last of them.
UNWIND $events AS e
CREATE (a:AuditEvent)
SET a = e
WITH count(a) AS appended
MATCH (c:AuditChain {id: 'main'})
SET c.seq = $seq, c.hash = $hash
RETURN appended
