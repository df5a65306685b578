// Node counts per kind, answered from Neo4j's count store (no scan).
CALL { MATCH (n:Dataset) RETURN count(n) AS datasets }
CALL { MATCH (n:DatasetVersion) RETURN count(n) AS dataset_versions }
CALL { MATCH (n:Feature) RETURN count(n) AS features }
CALL { MATCH (n:CodeCommit) RETURN count(n) AS code_commits }
CALL { MATCH (n:Run) RETURN count(n) AS runs }
CALL { MATCH (n:Model) RETURN count(n) AS models }
CALL { MATCH (n:ModelVersion) RETURN count(n) AS model_versions }
CALL { MATCH (n:Deployment) RETURN count(n) AS deployments }
CALL { MATCH (n:Prediction) RETURN count(n) AS predictions }
CALL { MATCH (n:Person) RETURN count(n) AS people }
CALL { MATCH (n:Team) RETURN count(n) AS teams }
RETURN datasets, dataset_versions, features, code_commits, runs, models, model_versions,
       deployments, predictions, people, teams
