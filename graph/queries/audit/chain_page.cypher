// A page of the chain in order, for `lineage audit verify`.
MATCH (a:AuditEvent)
WHERE a.seq > $after
RETURN properties(a) AS event
ORDER BY a.seq
LIMIT $limit
