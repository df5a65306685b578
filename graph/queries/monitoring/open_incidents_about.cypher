// The incidents open at $at (opened at or before it, not closed by then) about any node of
// $uids, or about the dataset of a dataset version among them (an incident about a dataset
// is about each of its versions, as a classification is): newest opened first, at most
// $limit. Each row as incidents_by_key returns it, plus `ties`: the pairs {node: a uid of
// $uids, subject: the uid the incident is about} that tie it to them.
UNWIND $uids AS id
MATCH (n:Node {uid: id})
CALL (n) {
  MATCH (i:Incident)-[:ABOUT]->(n)
  RETURN i, n.uid AS subject
  UNION
  MATCH (n:DatasetVersion)-[:VERSION_OF]->(d:Dataset)<-[:ABOUT]-(i:Incident)
  RETURN i, d.uid AS subject
}
WITH i, n, subject
WHERE i.opened_at <= $at AND (i.closed_at IS NULL OR i.closed_at > $at)
WITH i, collect(DISTINCT {node: n.uid, subject: subject}) AS ties
ORDER BY i.opened_at DESC, i.key
LIMIT $limit
RETURN collect({
  incident: properties(i),
  ties: ties,
  about: COLLECT { MATCH (i)-[:ABOUT]->(t:Node)
                   RETURN {kind: t.kind, key: t.key, props: properties(t)} },
  monitor: COLLECT { MATCH (i)-[:RAISED_BY]->(m:Monitor) RETURN m.key }[0],
  evidence_count: COUNT { (i)-[:EVIDENCE]->(:Observation) },
  evidence: COLLECT { MATCH (i)-[:EVIDENCE]->(o:Observation)
                      WITH o ORDER BY o.observed_at DESC LIMIT $evidence_limit
                      RETURN properties(o) }
}) AS rows
