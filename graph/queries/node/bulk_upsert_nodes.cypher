// Bulk load: create or update a batch of nodes of one kind (see upsert_nodes).
UNWIND $rows AS row
MERGE (n:Node {uid: row.uid})
ON CREATE SET n.recorded_at = $now
SET n:$(row.kind), n.kind = row.kind, n.key = row.key, n += row.props
RETURN count(n) AS written
