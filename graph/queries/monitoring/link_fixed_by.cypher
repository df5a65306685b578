// What fixed an incident: the model version (or the deployment rolled back) it points at.
MATCH (i:Incident {key: $incident})
MATCH (n:Node {uid: $fixed_by})
MERGE (i)-[f:FIXED_BY]->(n)
ON CREATE SET f.at = $now
RETURN n.uid AS uid
