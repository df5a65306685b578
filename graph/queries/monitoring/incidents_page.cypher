// A page of incidents, newest opened first (opened_at descending, then key), after the
// cursor ($after_time, $after_key). Filters: statuses, severities, a target they are ABOUT,
// and [since, until): incidents open at some time in it (opened before until, not closed
// before since). Each row as incidents_by_key returns it.
MATCH (i:Incident)
WHERE ($statuses IS NULL OR i.status IN $statuses)
  AND ($severities IS NULL OR i.severity IN $severities)
  AND ($until IS NULL OR i.opened_at < $until)
  AND ($since IS NULL OR i.closed_at IS NULL OR i.closed_at >= $since)
  AND ($target IS NULL OR EXISTS { (i)-[:ABOUT]->(:Node {uid: $target}) })
  AND ($after_time IS NULL OR i.opened_at < $after_time
       OR (i.opened_at = $after_time AND i.key > $after_key))
WITH i ORDER BY i.opened_at DESC, i.key LIMIT $limit + 1
RETURN collect({
  incident: properties(i),
  about: COLLECT { MATCH (i)-[:ABOUT]->(t:Node)
                   RETURN {kind: t.kind, key: t.key, props: properties(t)} },
  monitor: COLLECT { MATCH (i)-[:RAISED_BY]->(m:Monitor) RETURN m.key }[0],
  evidence_count: COUNT { (i)-[:EVIDENCE]->(:Observation) },
  evidence: COLLECT { MATCH (i)-[:EVIDENCE]->(o:Observation)
                      WITH o ORDER BY o.observed_at DESC LIMIT $evidence_limit
                      RETURN properties(o) }
}) AS rows
