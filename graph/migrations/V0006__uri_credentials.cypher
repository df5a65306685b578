// Locations stored with credentials in their authority (`postgres://user:password@host/db`,
// as OpenLineage's dataSource facet often carries them) lose the userinfo part; writes now
// strip it (domain/rules.without_userinfo, the same rule). Audit events are left as they
// are: rewriting them would break the hash chain. Idempotent.
MATCH (n:Node)
UNWIND ['location', 'artifact_uri', 'endpoint', 'url'] AS name
WITH n, name, n[name] AS uri
WHERE uri IS :: STRING AND uri CONTAINS '://'
WITH n, name, uri, split(uri, '://')[0] + '://' AS head,
     substring(uri, size(split(uri, '://')[0]) + 3) AS rest
WITH n, name, head, rest, split(split(split(rest, '/')[0], '?')[0], '#')[0] AS authority
WHERE authority CONTAINS '@'
WITH n, name, head, rest, authority, split(authority, '@') AS parts
SET n[name] = head + parts[size(parts) - 1] + substring(rest, size(authority));
