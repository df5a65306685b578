// The monitoring section of a model version's report: the monitors watching the version, a
// deployment that served it, or what its training runs used (a feature, a dataset version
// or that version's dataset), at most $limit by key, each with its latest $observations
// observations; and the keys of the incidents those monitors raised (the latest $limit).
MATCH (mv:Node {uid: $uid})
CALL (mv) {
  MATCH (m:Monitor)-[:WATCHES]->(mv) RETURN m
  UNION
  MATCH (m:Monitor)-[:WATCHES]->(:Deployment)-[:SERVED]->(mv) RETURN m
  UNION
  MATCH (m:Monitor)-[:WATCHES]->(:Node)<-[:USED]-(:Run)-[:GENERATED]->(mv) RETURN m
  UNION
  MATCH (m:Monitor)-[:WATCHES]->(:Dataset)<-[:VERSION_OF]-(:DatasetVersion)
        <-[:USED]-(:Run)-[:GENERATED]->(mv)
  RETURN m
}
WITH DISTINCT m ORDER BY m.key LIMIT $limit
WITH collect(m) AS monitors
RETURN
  [m IN monitors | {
    monitor: properties(m),
    target: COLLECT { MATCH (m)-[:WATCHES]->(t:Node) RETURN t.uid }[0],
    observations: COLLECT { MATCH (o:Observation)-[:OBSERVATION_OF]->(m)
                            WITH o ORDER BY o.observed_at DESC LIMIT $observations
                            RETURN properties(o) }
  }] AS monitors,
  COLLECT { UNWIND monitors AS m
            MATCH (i:Incident)-[:RAISED_BY]->(m)
            WITH DISTINCT i ORDER BY i.opened_at DESC, i.key LIMIT $limit
            RETURN i.key } AS incidents
