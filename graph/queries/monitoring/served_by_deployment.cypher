// The model versions the deployment $uid serves at $at (a SERVED interval holding it), in
// uid order: where lineage starts from a deployment.
MATCH (d:Node {uid: $uid})-[s:SERVED]->(mv:ModelVersion)
WHERE s.valid_from <= $at AND (s.valid_to IS NULL OR s.valid_to > $at)
WITH DISTINCT mv ORDER BY mv.uid
RETURN collect({kind: mv.kind, key: mv.key, props: properties(mv)}) AS rows
