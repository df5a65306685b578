// Batch (DataLoader): for each job of $jobs, a page of its runs (RUN_OF), newest first: by
// started_at, else the first event's time, else when recorded, then by the greater key;
// only those after the run $after (a run key; null: from the newest); at most $limit each.
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
OPTIONAL MATCH (cursor:Node {uid: 'Run:' + $after})
WITH cursor, coalesce(cursor.started_at, cursor.first_event_at, cursor.recorded_at) AS at
UNWIND $jobs AS job
MATCH (j:Node {uid: job})
CALL (j, cursor, at) {
  MATCH (j)<-[:RUN_OF]-(r:Run)
  WITH r, coalesce(r.started_at, r.first_event_at, r.recorded_at) AS t
  WHERE $after IS NULL
     OR (cursor IS NOT NULL AND (t < at OR (t = at AND r.key < cursor.key)))
  RETURN r
  ORDER BY t DESC, r.key DESC
  LIMIT $limit
}
RETURN collect({origin: job, kind: r.kind, key: r.key,
                props: [k IN keys(r) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN r[k] IS :: ZONED DATETIME
                       THEN [k, r[k].epochSeconds, r[k].nanosecond, r[k].offsetSeconds]
                       ELSE [k, r[k]] END]}) AS rows
