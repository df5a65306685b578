// New observations, each OBSERVATION_OF its monitor (the caller checked both: the monitor
// exists and locked, the key is not stored yet).
UNWIND $rows AS row
MATCH (m:Monitor {key: row.monitor})
CREATE (o:Observation)-[:OBSERVATION_OF]->(m)
SET o = row.props, o.key = row.key, o.monitor = row.monitor, o.recorded_at = $now
RETURN count(o) AS created
