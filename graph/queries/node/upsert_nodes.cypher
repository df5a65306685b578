// Create or update nodes by uid. Properties not given are left as they are; `on_create`
// ones (an initial stage, an active flag) are set only when the node is new, and
// recorded_at once, when it is first recorded. `before` is what the node held (for audits).
UNWIND $rows AS row
OPTIONAL MATCH (old:Node {uid: row.uid})
WITH row, properties(old) AS before
MERGE (n:Node {uid: row.uid})
ON CREATE SET n.recorded_at = $now, n += coalesce(row.on_create, {})
SET n:$(row.kind), n.kind = row.kind, n.key = row.key, n += row.props
// A node written by name is real: a placeholder that OpenLineage stood in for it
// (an unresolved read of `<dataset>@0`) must not be settled away later.
REMOVE n.placeholder
RETURN n.uid AS uid, n.kind AS kind, n.key AS key, properties(n) AS props, before
