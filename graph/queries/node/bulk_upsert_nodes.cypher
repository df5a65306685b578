// Bulk load: create or update a batch of nodes of one kind (see upsert_nodes).
UNWIND $rows AS row
MERGE (n:Node {uid: row.uid})
ON CREATE SET n.recorded_at = $now
SET n:$(row.kind), n.kind = row.kind, n.key = row.key, n += row.props
// A node written by name is real: a placeholder that OpenLineage stood in for it
// (an unresolved read of `<dataset>@0`) must not be settled away later.
REMOVE n.placeholder
RETURN count(n) AS written
