// An account's access and its tokens (never their hashes).
MATCH (a:Node {uid: $account})
WHERE a.kind IN ['Person', 'ServiceAccount']
OPTIONAL MATCH (t:ApiToken)-[:TOKEN_OF]->(a)
WITH a, t ORDER BY t.created_at
RETURN a.uid AS uid, coalesce(a.roles, []) AS roles, coalesce(a.clearances, []) AS clearances,
       coalesce(a.active, true) AS active,
       [x IN collect(t) | {id: x.id, name: x.name, created_at: x.created_at,
                           expires_at: x.expires_at, revoked_at: x.revoked_at}] AS tokens
