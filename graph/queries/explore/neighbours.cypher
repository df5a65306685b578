// Explorer, one hop: for each {uid, dir} of $origins, its lineage neighbours in that direction
// ('up' or 'down'), the first $limit + 1 after $after in the order of their sort key (the
// extra one says whether more follow): predictions, which can be millions, after everything
// else, then by uid (store.explore.sort_key is the same rule). A hop upstream: the run that generated an entity, what a
// run used and the commit it executed, what a deployment serves, what made a prediction;
// downstream the reverse: runs that used an entity or executed a commit, what a run
// generated, the deployments serving a model version, the predictions made by a model
// version or deployment. With $as_of, only runs started and predictions made by then; a
// deployment's SERVED links are those valid at $at ($as_of, or now).
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs).
UNWIND $origins AS o
MATCH (n:Node {uid: o.uid})
CALL (n, o) {
  CALL (n, o) {
    MATCH (n)<-[e:GENERATED]-(m:Run)
    WHERE o.dir = 'up' AND ($as_of IS NULL OR coalesce(m.started_at, m.recorded_at) <= $as_of)
    RETURN m, type(e) AS rel_type, properties(e) AS e, m.uid AS source, n.uid AS target
    UNION
    MATCH (n:Run)-[e:USED|EXECUTED]->(m:Node)
    WHERE o.dir = 'up'
    RETURN m, type(e) AS rel_type, properties(e) AS e, n.uid AS source, m.uid AS target
    UNION
    MATCH (n:Deployment)-[e:SERVED]->(m:ModelVersion)
    WHERE o.dir = 'up' AND (e.valid_from IS NULL OR e.valid_from <= $at)
      AND (e.valid_to IS NULL OR e.valid_to > $at)
    RETURN m, type(e) AS rel_type, properties(e) AS e, n.uid AS source, m.uid AS target
    UNION
    // MADE_BY: the prediction's deployment and model_version properties
    // (rules.PROPERTY_LINKS); the link has no properties of its own.
    MATCH (m:Node)
    WHERE o.dir = 'up' AND n:Prediction
      AND m.uid IN ['Deployment:' + n.deployment, 'ModelVersion:' + n.model_version]
    RETURN m, 'MADE_BY' AS rel_type, {} AS e, n.uid AS source, m.uid AS target
    UNION
    MATCH (n)<-[e:USED]-(m:Run)
    WHERE o.dir = 'down' AND ($as_of IS NULL OR coalesce(m.started_at, m.recorded_at) <= $as_of)
    RETURN m, type(e) AS rel_type, properties(e) AS e, m.uid AS source, n.uid AS target
    UNION
    MATCH (n:Run)-[e:GENERATED]->(m:Node)
    WHERE o.dir = 'down'
    RETURN m, type(e) AS rel_type, properties(e) AS e, n.uid AS source, m.uid AS target
    UNION
    MATCH (n:CodeCommit)<-[e:EXECUTED]-(m:Run)
    WHERE o.dir = 'down' AND ($as_of IS NULL OR coalesce(m.started_at, m.recorded_at) <= $as_of)
    RETURN m, type(e) AS rel_type, properties(e) AS e, m.uid AS source, n.uid AS target
    UNION
    MATCH (n:ModelVersion)<-[e:SERVED]-(m:Deployment)
    WHERE o.dir = 'down' AND (e.valid_from IS NULL OR e.valid_from <= $at)
      AND (e.valid_to IS NULL OR e.valid_to > $at)
    RETURN m, type(e) AS rel_type, properties(e) AS e, m.uid AS source, n.uid AS target
    UNION
    MATCH (m:Prediction)
    WHERE o.dir = 'down' AND n:Deployment AND m.deployment = n.key AND m.time IS NOT NULL
      AND ($as_of IS NULL OR m.time <= $as_of)
    RETURN m, 'MADE_BY' AS rel_type, {} AS e, m.uid AS source, n.uid AS target
    UNION
    MATCH (m:Prediction)
    WHERE o.dir = 'down' AND n:ModelVersion AND m.model_version = n.key
      AND m.time IS NOT NULL AND ($as_of IS NULL OR m.time <= $as_of)
    RETURN m, 'MADE_BY' AS rel_type, {} AS e, m.uid AS source, n.uid AS target
  }
  WITH m, rel_type, e, source, target, CASE m.kind WHEN 'Prediction' THEN '1' ELSE '0' END + m.uid AS sort_key
  WHERE sort_key > $after
  WITH m, sort_key, collect({type: rel_type, source: source, target: target,
                   props: [k IN keys(e) |
                     CASE WHEN e[k] IS :: ZONED DATETIME
                          THEN [k, e[k].epochSeconds, e[k].nanosecond, e[k].offsetSeconds]
                          ELSE [k, e[k]] END]}) AS edges
  ORDER BY sort_key
  LIMIT $limit + 1
  RETURN collect({kind: m.kind, key: m.key, edges: edges,
                  props: [k IN keys(m) WHERE NOT k IN ['uid', 'kind', 'key'] |
                    CASE WHEN m[k] IS :: ZONED DATETIME
                         THEN [k, m[k].epochSeconds, m[k].nanosecond, m[k].offsetSeconds]
                         ELSE [k, m[k]] END]}) AS page
}
RETURN collect({origin: o.uid, dir: o.dir, page: page}) AS rows
