// An incident, write-locked until the transaction ends, so two transitions of one incident
// run one after another.
MATCH (i:Incident {key: $key})
SET i._lock = true REMOVE i._lock
RETURN properties(i) AS incident
