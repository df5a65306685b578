// The run's implicit reads of $datasets, superseded by reads that name a version.
UNWIND $datasets AS dataset
MATCH (:Node {uid: $run})-[u:USED {implicit: true}]->(:DatasetVersion)
      -[:VERSION_OF]->(:Node {uid: dataset})
DELETE u
RETURN count(*) AS dropped
