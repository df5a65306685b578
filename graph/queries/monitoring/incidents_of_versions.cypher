// The incidents tied to each model version: about it, cited by its lifecycle changes,
// fixed by it, or addressed by a run that generated it.
UNWIND $uids AS id
MATCH (mv:Node {uid: id})
RETURN collect({
  uid: id,
  keys: COLLECT {
    MATCH (i:Incident)-[:ABOUT|CITED|FIXED_BY]->(mv) RETURN i.key AS key
    UNION
    MATCH (mv)<-[:GENERATED]-(:Run)-[:ADDRESSES]->(i:Incident) RETURN i.key AS key
  }
}) AS rows
