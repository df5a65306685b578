// Q4 helper: the classifications set on each of $uids itself, or on its parent dataset or
// model (a version inherits what its dataset is classified as).
UNWIND $uids AS uid
MATCH (n:Node {uid: uid})
OPTIONAL MATCH (n)-[:VERSION_OF]->(parent:Node)
CALL (n, parent) {
  MATCH (n)-[:CLASSIFIED_AS]->(c:Classification)
  RETURN n AS holder, c
  UNION
  MATCH (parent)-[:CLASSIFIED_AS]->(c:Classification)
  RETURN parent AS holder, c
}
RETURN uid, c.key AS classification, holder.uid AS holder
ORDER BY uid, classification
