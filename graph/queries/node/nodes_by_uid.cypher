// Batch lookup (DataLoader): nodes by uid, in one round trip, with the nodes they name by
// a property holding a key: $named is kind -> [[kind named, property], ...]
// (domain.model.NAMED_BY_PROPERTY, or {} for none), so that a prediction looked up by key
// comes with its deployment and model version, a version with what it is a version of.
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
UNWIND $uids AS uid
MATCH (n:Node {uid: uid})
WITH collect(n) AS asked
CALL (asked) {
  UNWIND asked AS n
  UNWIND coalesce($named[n.kind], []) AS ref
  WITH n[ref[1]] AS key, ref[0] AS kind
  WHERE key IS :: STRING
  WITH DISTINCT kind + ':' + key AS uid
  WHERE NOT uid IN $uids
  MATCH (m:Node {uid: uid})
  RETURN collect(m) AS named
}
UNWIND asked + named AS n
RETURN collect({uid: n.uid, kind: n.kind, key: n.key,
                props: [k IN keys(n) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN n[k] IS :: ZONED DATETIME
                       THEN [k, n[k].epochSeconds, n[k].nanosecond, n[k].offsetSeconds]
                       ELSE [k, n[k]] END]}) AS rows
