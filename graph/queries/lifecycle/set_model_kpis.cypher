// Replace a model's KPIs: a JSON list of {metric, threshold, direction}.
MATCH (m:Node {uid: $uid})
WHERE m:Model
SET m.kpis_json = $kpis_json
RETURN m.kpis_json AS kpis_json
