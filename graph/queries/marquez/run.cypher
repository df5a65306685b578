// One run by uid, with its job's id and facets and the versions it read and wrote.
MATCH (r:Node {uid: $run}) WHERE r.kind = 'Run'
OPTIONAL MATCH (r)-[:RUN_OF]->(j:Job)
RETURN {
  run: properties(r),
  job: CASE WHEN j IS NULL THEN null ELSE {namespace: j.namespace, name: j.name} END,
  job_facets: j.facets_json,
  inputs: COLLECT { MATCH (r)-[:USED]->(u:DatasetVersion)-[:VERSION_OF]->(ud:Dataset)
                    WHERE ud.namespace IS NOT NULL
                    RETURN {namespace: ud.namespace, name: ud.name, version: u.version} AS id },
  outputs: COLLECT { MATCH (r)-[:GENERATED]->(g:DatasetVersion)-[:VERSION_OF]->(gd:Dataset)
                     WHERE gd.namespace IS NOT NULL
                     RETURN {namespace: gd.namespace, name: gd.name, version: g.version} AS id }
} AS row
