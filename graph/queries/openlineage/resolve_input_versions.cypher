// For each dataset the run $run read without naming a version: the version the run already
// used (a repeated or late event), else the dataset's most recently recorded version that
// the run did not itself generate; null when the dataset has no version yet.
UNWIND $datasets AS dataset
OPTIONAL CALL (dataset) {
  MATCH (:Node {uid: $run})-[:USED]->(v:DatasetVersion)-[:VERSION_OF]->(:Node {uid: dataset})
  RETURN v.version AS used
  ORDER BY v.recorded_at DESC, v.key DESC
  LIMIT 1
}
OPTIONAL CALL (dataset) {
  MATCH (v:DatasetVersion)-[:VERSION_OF]->(:Node {uid: dataset})
  WHERE NOT EXISTS { (:Node {uid: $run})-[:GENERATED]->(v) }
  RETURN v.version AS latest
  ORDER BY v.recorded_at DESC, v.key DESC
  LIMIT 1
}
RETURN dataset, coalesce(used, latest) AS version
