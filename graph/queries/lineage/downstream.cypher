// Everything downstream of the nodes $uids, at most $depth run-levels on (<= 20): the runs
// that used them, what those runs generated, transitively; and the lineage edges among
// them. Breadth-first, one round per level (see upstream.cypher); $as_of as there.
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
MATCH (start:Node) WHERE start.uid IN $uids
WITH collect(start) AS starts
// A run given as a start is its own first level: its outputs, found without a round.
WITH starts, [s IN starts WHERE s:Run
               AND ($as_of IS NULL OR coalesce(s.started_at, s.recorded_at) <= $as_of)] AS start_runs
CALL (start_runs) {
  UNWIND start_runs AS r
  OPTIONAL MATCH (r)-[:GENERATED]->(u:Node)
  RETURN collect(DISTINCT u) AS first
}
WITH starts, [s IN starts WHERE NOT s:Run] + first AS frontier, start_runs AS runs, first AS found,
     CASE WHEN size(start_runs) > 0 THEN 1 ELSE 0 END AS shift
// @repeat 20
CALL (frontier, shift) {
  UNWIND frontier AS f
  MATCH (f)<-[:USED]-(r:Run)
  WHERE $depth >= ROUND + shift
    AND ($as_of IS NULL OR coalesce(r.started_at, r.recorded_at) <= $as_of)
  OPTIONAL MATCH (r)-[:GENERATED]->(g:Node)
  RETURN collect(DISTINCT r) AS rs, collect(DISTINCT g) AS gs
}
WITH starts, [g IN gs WHERE NOT g IN found] AS frontier, runs + rs AS runs, found + gs AS found, shift
// @end
CALL (runs) {
  UNWIND runs AS r
  RETURN collect(DISTINCT r) AS distinct_runs
}
CALL (distinct_runs, found, starts) {
  UNWIND distinct_runs AS r
  MATCH (r)-[e:USED|GENERATED]->(x:Node)
  WHERE type(e) = 'GENERATED' OR x IN found OR x IN starts
  RETURN collect({type: type(e), source: r.uid, target: x.uid}) AS edges
}
WITH distinct_runs, found, edges
UNWIND distinct_runs + found AS n
WITH DISTINCT n, edges
RETURN collect({kind: n.kind, key: n.key,
                props: [k IN keys(n) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN n[k] IS :: ZONED DATETIME
                       THEN [k, n[k].epochSeconds, n[k].nanosecond, n[k].offsetSeconds]
                       ELSE [k, n[k]] END]}) AS nodes,
       head(collect(edges)) AS edges
