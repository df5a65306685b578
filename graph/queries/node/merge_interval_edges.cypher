// Relationships valid over [valid_from, valid_to): one per start time, so a model
// version served twice (served, rolled back, served again) keeps both intervals.
// `before` is the relationship's properties before this change (null when new).
UNWIND $rows AS row
MATCH (a:Node {uid: row.source})
MATCH (b:Node {uid: row.target})
OPTIONAL MATCH (a)-[old:$(row.type) {valid_from: row.valid_from}]->(b)
WITH row, a, b, properties(old) AS before
MERGE (a)-[r:$(row.type) {valid_from: row.valid_from}]->(b)
ON CREATE SET r.recorded_at = $now
SET r += row.props
RETURN count(r) AS linked, collect(before)[0] AS before, collect(properties(r))[0] AS after
