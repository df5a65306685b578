// Batch (DataLoader): for each uid, the nodes pointing to it over $type, valid at $at
// (null: every interval), optionally of one kind; at most $limit per origin.
// $type comes from the fixed relationship enum in code, never from input.
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
UNWIND $uids AS uid
MATCH (n:Node {uid: uid})
CALL (n) {
  MATCH (n)<-[r:$($type)]-(m:Node)
  WHERE ($kind IS NULL OR m.kind = $kind)
    AND ($at IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $at)
                         AND (r.valid_to IS NULL OR r.valid_to > $at)))
  RETURN r, m
  ORDER BY coalesce(r.valid_from, r.recorded_at) DESC, m.key
  LIMIT $limit
}
RETURN collect({origin: uid, kind: m.kind, key: m.key,
                props: [k IN keys(m) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN m[k] IS :: ZONED DATETIME
                       THEN [k, m[k].epochSeconds, m[k].nanosecond, m[k].offsetSeconds]
                       ELSE [k, m[k]] END],
                edge: [k IN keys(r) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN r[k] IS :: ZONED DATETIME
                       THEN [k, r[k].epochSeconds, r[k].nanosecond, r[k].offsetSeconds]
                       ELSE [k, r[k]] END]}) AS rows
