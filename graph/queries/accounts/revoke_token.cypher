// Revoke a token (idempotent); returns its account and when it was revoked before, if ever.
MATCH (t:ApiToken {id: $id})-[:TOKEN_OF]->(a:Node)
WITH t, a, t.revoked_at AS was_revoked
SET t.revoked_at = coalesce(t.revoked_at, $now)
RETURN a.uid AS account, t.name AS name, was_revoked
