// Lookups and orderings that the API's queries filter or sort on.
CREATE INDEX node_kind_key IF NOT EXISTS FOR (n:Node) ON (n.kind, n.key);
CREATE INDEX model_version_stage IF NOT EXISTS FOR (n:ModelVersion) ON (n.stage);
CREATE INDEX run_kind IF NOT EXISTS FOR (n:Run) ON (n.run_kind);
CREATE INDEX prediction_time IF NOT EXISTS FOR (n:Prediction) ON (n.time);
CREATE INDEX audit_event_time IF NOT EXISTS FOR (n:AuditEvent) ON (n.time);
CREATE INDEX served_from IF NOT EXISTS FOR ()-[r:SERVED]-() ON (r.valid_from);
// Search (Q10): keys, names, descriptions and tags of every catalog entity.
CREATE FULLTEXT INDEX catalog_search IF NOT EXISTS
FOR (n:Dataset|DatasetVersion|Feature|CodeCommit|Job|Model|ModelVersion|Deployment|Person|Team|ServiceAccount|Classification)
ON EACH [n.key, n.name, n.description, n.tag_text];
