// The drift monitors that a profile of $subject feeds: those watching the subject or, for
// a dataset version, its dataset; each with the profile it compares against: its
// reference profile, or the latest profile of its reference dataset version (null when
// that version has none yet).
MATCH (s:Node {uid: $subject})
OPTIONAL MATCH (s)-[:VERSION_OF]->(parent:Dataset)
UNWIND [x IN [s, parent] WHERE x IS NOT NULL] AS watched
MATCH (m:Monitor)-[:WATCHES]->(watched)
WHERE m.type IN $types AND m.metric IN $metrics
OPTIONAL MATCH (m)-[:REFERENCE]->(ref)
RETURN properties(m) AS monitor,
       CASE WHEN ref:Profile THEN properties(ref)
            WHEN ref:DatasetVersion THEN COLLECT {
              MATCH (p:Profile)-[:PROFILE_OF]->(ref)
              WITH p ORDER BY p.observed_at DESC, p.key DESC LIMIT 1
              RETURN properties(p) }[0]
       END AS reference
ORDER BY m.key
