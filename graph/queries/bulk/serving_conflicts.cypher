// For each imported serving interval: the interval already stored with the same start
// (null when none), and another champion interval at the deployment that overlaps it
// (null when none). An import may add history or repeat it, never rewrite it. Each
// deployment is write-locked until the load's transaction ends, as the lifecycle's serving
// changes lock it (lifecycle/lock_deployment), so the two run one after the other.
UNWIND $rows AS row
MATCH (d:Node {uid: row.source})
SET d._lock = true REMOVE d._lock
WITH row, d
OPTIONAL MATCH (d)-[same:SERVED {valid_from: row.valid_from}]->(:Node {uid: row.target})
WITH row, d, properties(same) AS same
OPTIONAL CALL (row, d) {
  MATCH (d)-[c:SERVED]->(v:Node)
  WHERE row.role = 'champion' AND c.role = 'champion'
    AND c.valid_from < row.valid_to
    AND (c.valid_to IS NULL OR c.valid_to > row.valid_from)
    AND NOT (v.uid = row.target AND c.valid_from = row.valid_from)
  RETURN v.uid AS overlap
  LIMIT 1
}
RETURN row.n AS n, same, overlap
