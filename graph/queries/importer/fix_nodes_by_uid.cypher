// After an offline import: the values CSV cannot carry (empty lists, durations, ...) set
// on catalog nodes through Bolt, by uid (the node_uid constraint's index).
UNWIND $rows AS row
MATCH (n:Node {uid: row.uid})
SET n += row.props
RETURN count(n) AS fixed
