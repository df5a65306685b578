// Where a lineage walk from a node starts when the node stands for others: the versions of a
// Dataset or Model (VERSION_OF), the runs of a Job (RUN_OF), newest first; with $latest only
// the newest. With $as_of, only versions recorded and runs started by then (as the walk
// counts runs). Newest: a version by its created_at, else the latest end (else start) of a
// run that generated it, else when it was recorded; a run by its started_at, else its first
// event's time, else when it was recorded; ties by the greater key. Event times, not arrival
// times, wherever the events give them, so the answer does not depend on the order they
// came in. A Deployment stands for the model versions it serves at $serving_at (a SERVED
// interval holding it; newest begun first), a Prediction for the model version that made
// it (its model_version property, the version's key).
// Properties go out as [name, value] pairs (store.nodes.property_pairs).
MATCH (s:Node {uid: $uid})
WHERE s:Dataset OR s:Model OR s:Job OR s:Deployment OR s:Prediction
CALL (s) {
  MATCH (p:Node)-[:VERSION_OF|RUN_OF]->(s)
  WHERE (p:Run AND s:Job) OR ((p:DatasetVersion OR p:ModelVersion) AND NOT s:Job)
  CALL (p) {
    OPTIONAL MATCH (g:Run)-[:GENERATED]->(p)
    RETURN max(coalesce(g.ended_at, g.started_at)) AS made
  }
  WITH p, made
  WHERE $as_of IS NULL
     OR (p:Run AND coalesce(p.started_at, p.recorded_at) <= $as_of)
     OR (NOT p:Run AND p.recorded_at <= $as_of)
  WITH p, CASE WHEN p:Run THEN coalesce(p.started_at, p.first_event_at, p.recorded_at)
               ELSE coalesce(p.created_at, made, p.recorded_at) END AS at
  RETURN p, at
  UNION
  MATCH (s:Deployment)-[r:SERVED]->(p:ModelVersion)
  WHERE r.valid_from <= $serving_at AND (r.valid_to IS NULL OR r.valid_to > $serving_at)
  RETURN p, max(r.valid_from) AS at
  UNION
  MATCH (p:Node {uid: 'ModelVersion:' + s.model_version})
  WHERE s:Prediction AND p:ModelVersion
  RETURN p, s.time AS at
}
WITH p, at ORDER BY at DESC, p.key DESC
WITH collect({kind: p.kind, key: p.key,
                props: [k IN keys(p) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN p[k] IS :: ZONED DATETIME
                       THEN [k, p[k].epochSeconds, p[k].nanosecond, p[k].offsetSeconds]
                       ELSE [k, p[k]] END]}) AS points
RETURN CASE WHEN $latest THEN points[0..1] ELSE points END AS points
