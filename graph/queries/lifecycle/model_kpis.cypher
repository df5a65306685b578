// A model's KPIs as stored (JSON); no row when there is no such model.
MATCH (m:Node {uid: $uid})
WHERE m:Model
RETURN m.key AS key, m.kpis_json AS kpis_json
