// A new token for an existing person or service account; only its hash is stored.
MATCH (a:Node {uid: $account})
WHERE a.kind IN ['Person', 'ServiceAccount']
CREATE (t:ApiToken {id: $id, hash: $hash, name: $name, created_at: $now, expires_at: $expires_at})
CREATE (t)-[:TOKEN_OF]->(a)
RETURN t.id AS id
