// Bulk load: interval relationships (see merge_interval_edges), a batch at a time.
UNWIND $rows AS row
MATCH (a:Node {uid: row.source})
MATCH (b:Node {uid: row.target})
MERGE (a)-[r:$(row.type) {valid_from: row.valid_from}]->(b)
ON CREATE SET r.recorded_at = $now
SET r += row.props
RETURN count(r) AS linked
