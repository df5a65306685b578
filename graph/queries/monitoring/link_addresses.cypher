// A run addresses exactly the incidents in $keys (all exist, checked before): links to
// others are removed, missing ones are added.
MATCH (r:Node {uid: $run})
CALL (r) {
  OPTIONAL MATCH (r)-[old:ADDRESSES]->(i:Incident)
  WHERE NOT i.key IN $keys
  DELETE old
  RETURN count(old) AS removed
}
CALL (r) {
  UNWIND $keys AS key
  MATCH (i:Incident {key: key})
  WHERE NOT (r)-[:ADDRESSES]->(i)
  CREATE (r)-[:ADDRESSES {at: $now}]->(i)
  RETURN count(*) AS added
}
RETURN removed, added
