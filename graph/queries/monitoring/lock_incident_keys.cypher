// The incidents among $keys, write-locked until the transaction ends, so a citation never
// races a transition of the incident it cites.
UNWIND $keys AS key
MATCH (i:Incident {key: key})
SET i._lock = true REMOVE i._lock
RETURN i.key AS key
