// A new profile of $subject (a dataset version, or a window of a deployment's or a model
// version's production inputs), PROFILE_OF it.
MATCH (s:Node {uid: $subject})
CREATE (p:Profile)-[:PROFILE_OF]->(s)
SET p = $props, p.key = $key, p.subject = $subject, p.recorded_at = $now
RETURN properties(p) AS profile
