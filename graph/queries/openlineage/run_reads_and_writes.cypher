// What the run $run already read and wrote, read once the run is locked (so no other event
// changes it meanwhile): each version it GENERATED, and each version it USED with the
// relationship's `implicit` mark and the reader's facets of an implicit read.
MATCH (r:Node {uid: $run})
CALL (r) {
  MATCH (r)-[:GENERATED]->(v:DatasetVersion)-[:VERSION_OF]->(d:Dataset)
  RETURN collect({version: v.uid, dataset: d.uid, dataset_key: d.key}) AS generated
}
CALL (r) {
  MATCH (r)-[u:USED]->(v:DatasetVersion)-[:VERSION_OF]->(d:Dataset)
  RETURN collect({
    version: v.uid, key: v.key, dataset: d.uid, dataset_key: d.key,
    implicit: coalesce(u.implicit, false),
    props: u {.facets_json, .facet_stamps_json}
  }) AS used
}
RETURN generated, used
