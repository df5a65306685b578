// Q6: the run that generated a model version, with its commit and direct inputs.
MATCH (mv:Node {uid: $uid})
WHERE mv:ModelVersion
OPTIONAL MATCH (mv)<-[:GENERATED]-(r:Run)
OPTIONAL MATCH (r)-[:EXECUTED]->(c:CodeCommit)
OPTIONAL MATCH (r)-[:USED]->(u:Node)
WITH mv, r, c, u ORDER BY u.uid
RETURN {kind: mv.kind, key: mv.key, props: properties(mv)} AS model_version,
       CASE WHEN r IS NULL THEN null ELSE {kind: r.kind, key: r.key, props: properties(r)} END AS run,
       CASE WHEN c IS NULL THEN null ELSE {kind: c.kind, key: c.key, props: properties(c)} END AS commit,
       [x IN collect(u) | {kind: x.kind, key: x.key, props: properties(x)}] AS inputs
LIMIT 1
