// The nodes an OpenLineage event touches: created when missing and write-locked until the
// transaction ends, so two events of one run merge one after the other instead of racing;
// returns what each already holds, for the merge. $row.kind comes from the fixed enum.
UNWIND $rows AS row
MERGE (n:Node {uid: row.uid})
ON CREATE SET n.recorded_at = $now, n.key = row.key
SET n:$(row.kind), n.kind = row.kind
RETURN n.uid AS uid, properties(n) AS props
