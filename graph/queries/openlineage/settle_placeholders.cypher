// The placeholder versions of $datasets after links moved: one that something else now
// refers to (a run generated it or read it by name, or any other relationship) is a version
// like any other and loses its mark; one that nothing uses any more is deleted, as if it
// had never been created.
UNWIND $datasets AS dataset
MATCH (v:DatasetVersion)-[:VERSION_OF]->(:Node {uid: dataset})
WHERE v.placeholder = true
WITH v,
     EXISTS {
       (v)-[r]-()
       WHERE NOT (type(r) = $version_of OR (type(r) = $used AND r.implicit = true))
     } AS real,
     EXISTS { ()-[:USED]->(v) } AS used
CALL (v, real) {
  WITH v WHERE real
  REMOVE v.placeholder
}
CALL (v, real, used) {
  WITH v WHERE NOT real AND NOT used
  DETACH DELETE v
}
RETURN count(*) AS settled
