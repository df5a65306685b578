// Batch (DataLoader): for each job of $jobs, the datasets its runs read (a version USED:
// side 'input') and wrote (a version GENERATED: side 'output'), each once per side, in key
// order, at most $limit per side.
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
UNWIND $jobs AS job
MATCH (j:Node {uid: job})
CALL (j) {
  MATCH (j)<-[:RUN_OF]-(:Run)-[:USED]->(:DatasetVersion)-[:VERSION_OF]->(d:Dataset)
  WITH DISTINCT d ORDER BY d.key LIMIT $limit
  RETURN collect(d) AS inputs
}
CALL (j) {
  MATCH (j)<-[:RUN_OF]-(:Run)-[:GENERATED]->(:DatasetVersion)-[:VERSION_OF]->(d:Dataset)
  WITH DISTINCT d ORDER BY d.key LIMIT $limit
  RETURN collect(d) AS outputs
}
UNWIND [d IN inputs | {side: 'input', d: d}] + [d IN outputs | {side: 'output', d: d}] AS f
WITH job, f.side AS side, f.d AS d
RETURN collect({origin: job, side: side, kind: d.kind, key: d.key,
                props: [k IN keys(d) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN d[k] IS :: ZONED DATETIME
                       THEN [k, d[k].epochSeconds, d[k].nanosecond, d[k].offsetSeconds]
                       ELSE [k, d[k]] END]}) AS rows
