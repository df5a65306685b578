// Create or update incidents by key: properties given replace the stored ones, and the
// links listed are added (ABOUT targets, EVIDENCE observations, RAISED_BY a monitor).
UNWIND $rows AS row
MERGE (i:Incident {key: row.key})
ON CREATE SET i.recorded_at = $now
SET i += row.props
WITH i, row
CALL (i, row) {
  UNWIND row.about AS target
  MATCH (t:Node {uid: target})
  MERGE (i)-[:ABOUT]->(t)
}
CALL (i, row) {
  UNWIND row.evidence AS observation
  MATCH (o:Observation {key: observation})
  MERGE (i)-[:EVIDENCE]->(o)
}
CALL (i, row) {
  UNWIND [m IN [row.monitor] WHERE m IS NOT NULL] AS monitor
  MATCH (m:Monitor {key: monitor})
  MERGE (i)-[:RAISED_BY]->(m)
}
RETURN count(i) AS written
