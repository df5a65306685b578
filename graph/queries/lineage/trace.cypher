// Q1 in one statement: the prediction $prediction (or, when it is null, the model version
// $model_version), the deployment and model version that made it, everything upstream of
// that version, and what the trace's nested fields would ask next (api/graphql/trace.py
// primes the request's DataLoaders with it), so that a whole trace is one round trip:
// - upstream: lineage/upstream.cypher's walk from the one model version (no as_of);
// - with $owners: each owned thing's owners at $at by questions/owners_of.cypher's rule
//   (its own, then its parent's over VERSION_OF; at most $limit), the nodes holding them,
//   and each version's parent named by its `dataset` / `model` property; an owner goes
//   out once among `nodes`, however many things it owns, and each ownership names it (so
//   do the neighbours below);
// - with $authors: each commit's AUTHORED in-neighbours (node/in_neighbors.cypher, no $at);
// - with $run_commits: each run's EXECUTED out-neighbours (node/out_neighbors.cypher).
// $at comes as epoch seconds and nanoseconds: the driver takes far longer to send a
// datetime parameter than two integers.
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
OPTIONAL MATCH (p:Node {uid: $prediction})
WITH p, CASE WHEN $prediction IS NULL THEN $model_version
             ELSE 'ModelVersion:' + p.model_version END AS mv_uid
OPTIONAL MATCH (mv:Node {uid: mv_uid})
OPTIONAL MATCH (d:Node {uid: 'Deployment:' + p.deployment})
WITH p, mv, d, datetime({epochSeconds: $at_s, nanosecond: $at_ns}) AS at,
     CASE WHEN mv IS NULL THEN [] ELSE [mv] END AS frontier, [] AS runs, [] AS found
// @repeat 20
CALL (frontier) {
  UNWIND frontier AS f
  MATCH (f)<-[:GENERATED]-(r:Run)
  WHERE $depth >= ROUND
  OPTIONAL MATCH (r)-[:USED]->(u:Node)
  RETURN collect(DISTINCT r) AS rs, collect(DISTINCT u) AS us
}
WITH p, mv, d, at, [u IN us WHERE NOT u IN found] AS frontier, runs + rs AS runs,
     found + us AS found
// @end
CALL (runs) {
  UNWIND runs AS r
  RETURN collect(DISTINCT r) AS distinct_runs
}
CALL (distinct_runs, found, mv) {
  UNWIND distinct_runs AS r
  MATCH (r)-[e:USED|GENERATED|EXECUTED]->(x:Node)
  WHERE type(e) <> 'GENERATED' OR x IN found OR x = mv
  RETURN collect({type: type(e), source: r.uid, target: x.uid}) AS edges,
         collect(DISTINCT CASE type(e) WHEN 'EXECUTED' THEN x END) AS commits
}
CALL (distinct_runs, found, commits) {
  UNWIND distinct_runs + found + commits AS n
  RETURN collect(DISTINCT n) AS upstream
}
CALL (upstream, mv, d, at) {
  UNWIND CASE WHEN $owners
              THEN [n IN upstream WHERE n.kind IN ['DatasetVersion', 'Feature', 'ModelVersion']]
                   + CASE WHEN mv IS NULL THEN [] ELSE [mv] END
                   + CASE WHEN d IS NULL THEN [] ELSE [d] END
              ELSE [] END AS n
  WITH DISTINCT n
  CALL (n, at) {
    MATCH (n)-[:VERSION_OF]->{0,1}(holder:Node)<-[o:OWNS]-(a:Node)
    WHERE (o.valid_from IS NULL OR o.valid_from <= at) AND (o.valid_to IS NULL OR o.valid_to > at)
    RETURN holder, o, a
    ORDER BY holder <> n, coalesce(o.valid_from, o.recorded_at) DESC, a.key
    LIMIT $limit
  }
  RETURN collect({origin: n.uid, holder: holder.uid, owner: a.uid,
                  edge: [k IN keys(o) |
                    CASE WHEN o[k] IS :: ZONED DATETIME
                         THEN [k, o[k].epochSeconds, o[k].nanosecond, o[k].offsetSeconds]
                         ELSE [k, o[k]] END]}) AS owners,
         collect(DISTINCT holder) + collect(DISTINCT a) AS owning
}
CALL (upstream, mv) {
  UNWIND CASE WHEN $owners
              THEN [n IN upstream + CASE WHEN mv IS NULL THEN [] ELSE [mv] END
                    WHERE n.kind IN ['DatasetVersion', 'ModelVersion']]
              ELSE [] END AS v
  MATCH (parent:Node {uid: CASE v.kind WHEN 'DatasetVersion' THEN 'Dataset:' + v.dataset
                                       ELSE 'Model:' + v.model END})
  RETURN collect(DISTINCT parent) AS parents
}
CALL (upstream) {
  UNWIND CASE WHEN $authors THEN [n IN upstream WHERE n.kind = 'CodeCommit'] ELSE [] END AS c
  CALL (c) {
    MATCH (c)<-[r:AUTHORED]-(m:Node)
    RETURN r, m
    ORDER BY coalesce(r.valid_from, r.recorded_at) DESC, m.key
    LIMIT $limit
  }
  RETURN collect({origin: c.uid, node: m.uid,
                  edge: [k IN keys(r) WHERE NOT k IN ['uid', 'kind', 'key'] |
                    CASE WHEN r[k] IS :: ZONED DATETIME
                         THEN [k, r[k].epochSeconds, r[k].nanosecond, r[k].offsetSeconds]
                         ELSE [k, r[k]] END]}) AS authors,
         collect(DISTINCT m) AS authoring
}
CALL (upstream) {
  UNWIND CASE WHEN $run_commits THEN [n IN upstream WHERE n.kind = 'Run'] ELSE [] END AS r0
  CALL (r0) {
    MATCH (r0)-[r:EXECUTED]->(m:Node)
    RETURN r, m
    ORDER BY coalesce(r.valid_from, r.recorded_at) DESC, m.key
    LIMIT $limit
  }
  RETURN collect({origin: r0.uid, node: m.uid,
                  edge: [k IN keys(r) WHERE NOT k IN ['uid', 'kind', 'key'] |
                    CASE WHEN r[k] IS :: ZONED DATETIME
                         THEN [k, r[k].epochSeconds, r[k].nanosecond, r[k].offsetSeconds]
                         ELSE [k, r[k]] END]}) AS run_commits,
         collect(DISTINCT m) AS executed
}
CALL (p, mv, d, upstream, owning, parents, authoring, executed) {
  UNWIND [x IN [p, mv, d] WHERE x IS NOT NULL] + upstream + owning + parents + authoring
         + executed AS n
  WITH DISTINCT n
  RETURN collect({kind: n.kind, key: n.key,
                  props: [k IN keys(n) WHERE NOT k IN ['uid', 'kind', 'key'] |
                    CASE WHEN n[k] IS :: ZONED DATETIME
                         THEN [k, n[k].epochSeconds, n[k].nanosecond, n[k].offsetSeconds]
                         ELSE [k, n[k]] END]}) AS nodes
}
RETURN p.uid AS prediction, mv.uid AS model_version, d.uid AS deployment,
       [n IN upstream | n.uid] AS upstream, edges, owners, authors, run_commits, nodes
