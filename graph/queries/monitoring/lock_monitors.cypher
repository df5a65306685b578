// Monitors by key, each write-locked until the transaction ends, so observations of one
// monitor are judged one write after another; with the incident it has open (OPEN or
// ACKNOWLEDGED, raised by it), if any, and that incident's targets.
UNWIND $keys AS key
MATCH (m:Monitor {key: key})
SET m._lock = true REMOVE m._lock
RETURN properties(m) AS monitor,
       COLLECT {
         MATCH (i:Incident)-[:RAISED_BY]->(m)
         WHERE i.status IN ['open', 'acknowledged']
         WITH i ORDER BY i.opened_at DESC, i.key LIMIT 1
         RETURN properties(i)
       } AS open
