// Create or update nodes by uid. Properties not given are left as they are;
// recorded_at is set once, when the node is first recorded.
UNWIND $rows AS row
MERGE (n:Node {uid: row.uid})
ON CREATE SET n.recorded_at = $now
SET n:$(row.kind), n.kind = row.kind, n.key = row.key, n += row.props
RETURN n.uid AS uid, n.kind AS kind, n.key AS key, properties(n) AS props
