// Batch lookup (DataLoader): nodes by uid, in one round trip.
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
UNWIND $uids AS uid
MATCH (n:Node {uid: uid})
RETURN collect({uid: uid, kind: n.kind, key: n.key,
                props: [k IN keys(n) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN n[k] IS :: ZONED DATETIME
                       THEN [k, n[k].epochSeconds, n[k].nanosecond, n[k].offsetSeconds]
                       ELSE [k, n[k]] END]}) AS rows
