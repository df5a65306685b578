// Batch (DataLoader): for each uid, the nodes it points to over $type, valid at $at
// (null: every interval), optionally of one kind; at most $limit per origin.
// $type comes from the fixed relationship enum in code, never from input.
UNWIND $uids AS uid
MATCH (n:Node {uid: uid})
CALL (n) {
  MATCH (n)-[r:$($type)]->(m:Node)
  WHERE ($kind IS NULL OR m.kind = $kind)
    AND ($at IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $at)
                         AND (r.valid_to IS NULL OR r.valid_to > $at)))
  RETURN r, m
  ORDER BY coalesce(r.valid_from, r.recorded_at) DESC, m.key
  LIMIT $limit
}
RETURN uid AS origin, m.kind AS kind, m.key AS key, properties(m) AS props,
       properties(r) AS edge
