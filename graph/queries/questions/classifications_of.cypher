// Q4 helper: the classifications set on each of $uids itself, or on its parent dataset or
// model (a version inherits what its dataset is classified as); with $as_of, only those
// recorded by then.
UNWIND $uids AS uid
MATCH (n:Node {uid: uid})
OPTIONAL MATCH (n)-[:VERSION_OF]->(parent:Node)
CALL (n, parent) {
  MATCH (n)-[r:CLASSIFIED_AS]->(c:Classification)
  WHERE $as_of IS NULL OR r.recorded_at <= $as_of
  RETURN n AS holder, c
  UNION
  MATCH (parent)-[r:CLASSIFIED_AS]->(c:Classification)
  WHERE $as_of IS NULL OR r.recorded_at <= $as_of
  RETURN parent AS holder, c
}
RETURN uid, c.key AS classification, holder.uid AS holder
ORDER BY uid, classification
