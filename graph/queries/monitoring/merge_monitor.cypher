// Create or update a monitor (by key) watching $target, with its reference: a dataset
// version ($reference, a uid) or a stored profile ($reference_profile, a key). Properties
// not given keep their value; `before` is what the monitor held (for the audit).
MATCH (t:Node {uid: $target})
OPTIONAL MATCH (old:Monitor {key: $key})
WITH t, properties(old) AS before
MERGE (m:Monitor {key: $key})
ON CREATE SET m.created_at = $now, m.created_by = $actor
SET m += $props
MERGE (m)-[:WATCHES]->(t)
WITH m, before
OPTIONAL MATCH (m)-[stale:REFERENCE]->()
DELETE stale
WITH DISTINCT m, before
OPTIONAL MATCH (dv:DatasetVersion:Node {uid: $reference})
OPTIONAL MATCH (p:Profile {key: $reference_profile})
FOREACH (r IN [x IN [dv, p] WHERE x IS NOT NULL] | MERGE (m)-[:REFERENCE]->(r))
RETURN properties(m) AS monitor, before
