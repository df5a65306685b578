// The versions of each dataset among $uids (an incident about a dataset is about each of
// its versions, as a classification on a dataset is), in uid order.
UNWIND $uids AS id
MATCH (d:Node {uid: id})
WHERE d:Dataset
RETURN collect({
  dataset: id,
  versions: COLLECT { MATCH (v:DatasetVersion)-[:VERSION_OF]->(d) RETURN v.uid AS v ORDER BY v }
}) AS rows
