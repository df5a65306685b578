// Incidents by key, each with its targets, its monitor and its latest evidence.
UNWIND $keys AS key
MATCH (i:Incident {key: key})
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
