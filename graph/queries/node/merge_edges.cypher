// Create relationships once (idempotent); $type comes from the fixed enum in code.
// `created` counts the ones new in this transaction (recorded_at is this change's time).
UNWIND $rows AS row
MATCH (a:Node {uid: row.source})
MATCH (b:Node {uid: row.target})
MERGE (a)-[r:$(row.type)]->(b)
ON CREATE SET r.recorded_at = $now
SET r += row.props
RETURN count(r) AS linked, count(CASE WHEN r.recorded_at = $now THEN 1 END) AS created
