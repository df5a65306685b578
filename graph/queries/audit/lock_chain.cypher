// Take the audit chain's head for this transaction and read where it ends. The SET takes
// the head's write lock, so concurrent changes append one after another; it is the last
// lock a change takes (after its own nodes), so two changes cannot deadlock on it.
MERGE (c:AuditChain {id: 'main'})
ON CREATE SET c.seq = 0, c.hash = ''
SET c.appended_at = $now
RETURN c.seq AS seq, c.hash AS hash
