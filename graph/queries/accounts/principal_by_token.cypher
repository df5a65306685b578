// The account behind a token hash, with the token's own state; checked on every request.
MATCH (t:ApiToken {hash: $hash})-[:TOKEN_OF]->(a:Node)
RETURN t.id AS token_id, t.revoked_at AS revoked_at, t.expires_at AS expires_at,
       a.uid AS uid, a.kind AS kind, coalesce(a.roles, []) AS roles,
       coalesce(a.clearances, []) AS clearances, coalesce(a.active, true) AS active
