// Link each implicit read to its resolved version: the run's USED {implicit: true} to
// `row.target` (created as a placeholder version of the dataset when missing), carrying the
// reader's facets (`row.props`, else those of the link it replaces), and the link to
// `row.old`, when it differs, removed. $kind is the fixed DatasetVersion kind.
UNWIND $rows AS row
MATCH (q:Node {uid: row.run})
MATCH (d:Node {uid: row.dataset})
OPTIONAL MATCH (q)-[old:USED {implicit: true}]->(:Node {uid: row.old})
WITH row, q, d, old, coalesce(row.props, old {.facets_json, .facet_stamps_json}, {}) AS props
MERGE (v:Node {uid: row.target})
ON CREATE SET v:$($kind), v.kind = $kind, v.key = row.key, v.dataset = row.dataset_key,
              v.version = row.version, v.placeholder = true, v.recorded_at = $now
MERGE (v)-[of:VERSION_OF]->(d)
ON CREATE SET of.recorded_at = $now
MERGE (q)-[u:USED {implicit: true}]->(v)
ON CREATE SET u.recorded_at = $now
SET u += props
WITH old, u
CALL (old, u) {
  WITH old WHERE old IS NOT NULL AND old <> u
  DELETE old
}
RETURN count(*) AS linked
