// A model version, write-locked until the transaction ends, so stage changes and promotion
// requests to one version run one after another (setting and removing a marker takes the
// lock and leaves no trace). `pending`: the keys of its open promotion requests.
MATCH (mv:Node {uid: $uid})
WHERE mv:ModelVersion
SET mv._lock = true REMOVE mv._lock
RETURN mv.kind AS kind, mv.key AS key, properties(mv) AS props,
       COLLECT { MATCH (a:Approval {status: 'pending'})-[:FOR]->(mv) RETURN a.key } AS pending
