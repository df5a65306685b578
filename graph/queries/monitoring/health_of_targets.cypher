// The health of each node of $targets at $at: each monitor watching it (at most $limit, by
// key; one registered later still counts, as observations may be sent for times before
// it) with its latest observation at or before $at, and the incidents about it that were
// open at $at (opened at or before, not closed by then), newest first. An unknown target
// has no row.
UNWIND $targets AS id
MATCH (t:Node {uid: id})
RETURN collect({
  target: {kind: t.kind, key: t.key, props: properties(t)},
  monitors: COLLECT {
    MATCH (m:Monitor)-[:WATCHES]->(t)
    WITH m ORDER BY m.key LIMIT $limit
    RETURN {monitor: properties(m),
            latest: COLLECT { MATCH (o:Observation)
                              WHERE o.monitor = m.key AND o.observed_at <= $at
                              WITH o ORDER BY o.observed_at DESC LIMIT 1
                              RETURN properties(o) }[0]}
  },
  incidents: COLLECT {
    MATCH (i:Incident)-[:ABOUT]->(t)
    WHERE i.opened_at <= $at AND (i.closed_at IS NULL OR i.closed_at > $at)
    WITH i ORDER BY i.opened_at DESC, i.key LIMIT $limit
    RETURN {
      incident: properties(i),
      about: COLLECT { MATCH (i)-[:ABOUT]->(a:Node)
                       RETURN {kind: a.kind, key: a.key, props: properties(a)} },
      monitor: COLLECT { MATCH (i)-[:RAISED_BY]->(m:Monitor) RETURN m.key }[0],
      evidence_count: COUNT { (i)-[:EVIDENCE]->(:Observation) },
      evidence: COLLECT { MATCH (i)-[:EVIDENCE]->(o:Observation)
                          WITH o ORDER BY o.observed_at DESC LIMIT $evidence_limit
                          RETURN properties(o) }
    }
  }
}) AS rows
