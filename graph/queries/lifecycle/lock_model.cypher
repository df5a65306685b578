// A model, write-locked until the transaction ends, with its KPIs as stored (JSON).
MATCH (m:Node {uid: $uid})
WHERE m:Model
SET m._lock = true REMOVE m._lock
RETURN m.key AS key, m.kpis_json AS kpis_json
