// Everything upstream of the nodes $uids, at most $depth run-levels back (<= 20):
// the runs that generated them, what those runs used, transitively; the commits the
// runs executed; and the lineage edges among them. Breadth-first, one round per level.
// With $as_of, only runs that had started by then (point-in-time lineage).
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
MATCH (start:Node) WHERE start.uid IN $uids
WITH collect(start) AS starts
// A run given as a start is its own first level: its inputs, found without a round.
WITH starts, [s IN starts WHERE s:Run
               AND ($as_of IS NULL OR coalesce(s.started_at, s.recorded_at) <= $as_of)] AS start_runs
CALL (start_runs) {
  UNWIND start_runs AS r
  OPTIONAL MATCH (r)-[:USED]->(u:Node)
  RETURN collect(DISTINCT u) AS first
}
WITH starts, [s IN starts WHERE NOT s:Run] + first AS frontier, start_runs AS runs, first AS found,
     CASE WHEN size(start_runs) > 0 THEN 1 ELSE 0 END AS shift
// @repeat 20
CALL (frontier, shift) {
  UNWIND frontier AS f
  MATCH (f)<-[:GENERATED]-(r:Run)
  WHERE $depth >= ROUND + shift
    AND ($as_of IS NULL OR coalesce(r.started_at, r.recorded_at) <= $as_of)
  OPTIONAL MATCH (r)-[:USED]->(u:Node)
  RETURN collect(DISTINCT r) AS rs, collect(DISTINCT u) AS us
}
WITH starts, [u IN us WHERE NOT u IN found] AS frontier, runs + rs AS runs, found + us AS found, shift
// @end
CALL (runs) {
  UNWIND runs AS r
  RETURN collect(DISTINCT r) AS distinct_runs
}
CALL (distinct_runs, found, starts) {
  UNWIND distinct_runs AS r
  MATCH (r)-[e:USED|GENERATED|EXECUTED]->(x:Node)
  WHERE type(e) <> 'GENERATED' OR x IN found OR x IN starts
  RETURN collect({type: type(e), source: r.uid, target: x.uid}) AS edges,
         collect(DISTINCT CASE type(e) WHEN 'EXECUTED' THEN x END) AS commits
}
WITH distinct_runs, found, commits, edges
UNWIND distinct_runs + found + commits AS n
WITH DISTINCT n, edges
RETURN collect({kind: n.kind, key: n.key,
                props: [k IN keys(n) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN n[k] IS :: ZONED DATETIME
                       THEN [k, n[k].epochSeconds, n[k].nanosecond, n[k].offsetSeconds]
                       ELSE [k, n[k]] END]}) AS nodes,
       head(collect(edges)) AS edges
