// The data-quality monitors ($type) watching any of $targets, the datasets and dataset
// versions a RunEvent reports quality of: what each measures (metric, column) and watches.
UNWIND $targets AS target
MATCH (m:Monitor)-[:WATCHES]->(:Node {uid: target})
WHERE m.type = $type
RETURN m.key AS monitor, m.metric AS metric, m.column AS column, target
ORDER BY monitor
