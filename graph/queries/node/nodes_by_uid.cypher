// Batch lookup (DataLoader): nodes by uid, in one round trip.
UNWIND $uids AS uid
MATCH (n:Node {uid: uid})
RETURN uid, n.kind AS kind, n.key AS key, properties(n) AS props
