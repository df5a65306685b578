// Relationships valid over [valid_from, valid_to): one per start time, so a model
// version served twice (served, rolled back, served again) keeps both intervals.
UNWIND $rows AS row
MATCH (a:Node {uid: row.source})
MATCH (b:Node {uid: row.target})
MERGE (a)-[r:$(row.type) {valid_from: row.valid_from}]->(b)
ON CREATE SET r.recorded_at = $now
SET r += row.props
RETURN count(r) AS linked
