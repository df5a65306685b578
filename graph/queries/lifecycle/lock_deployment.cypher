// A deployment, write-locked until the transaction ends, so serving changes to it run one
// after another, with every serving interval it has had (oldest first).
MATCH (d:Node {uid: $uid})
WHERE d:Deployment
SET d._lock = true REMOVE d._lock
RETURN d.uid AS uid,
       COLLECT {
         MATCH (d)-[s:SERVED]->(mv:ModelVersion)
         RETURN {id: elementId(s), model_version: mv.uid, stage: mv.stage,
                 edge: properties(s)} AS interval
         ORDER BY s.valid_from
       } AS intervals
