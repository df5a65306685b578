// The deployments serving each model version of $uids at $at (a SERVED interval holding
// it), in key order.
UNWIND $uids AS id
MATCH (mv:Node {uid: id})<-[s:SERVED]-(d:Deployment)
WHERE s.valid_from <= $at AND (s.valid_to IS NULL OR s.valid_to > $at)
WITH DISTINCT id, d ORDER BY id, d.key
RETURN collect({model_version: id,
                deployment: {kind: d.kind, key: d.key, props: properties(d)}}) AS rows
