// Column lineage downstream of the dataset versions $starts, at most $depth column levels
// (<= 20): the versions whose columnLineage facet names a reached version's dataset
// (`column_inputs`) and whose input resolves to that very version, by the rule of
// column_upstream.cypher (the version the generating run USED, else the dataset's newest
// by the time that run started); with $as_of, only versions whose run had started by then.
// Candidates are the outputs of runs that used the version, and versions whose runs used
// no version of the dataset at all. Breadth-first, one round per level. Answers the
// versions reached (the starts included) and the links {version, dataset, resolved}.
MATCH (s:DatasetVersion) WHERE s.uid IN $starts
WITH collect(s) AS found
WITH found, found AS frontier, [] AS links
// @repeat 20
CALL (frontier) {
  UNWIND frontier AS x
  MATCH (x)-[:VERSION_OF]->(d:Dataset)
  WHERE $depth >= ROUND
  CALL (x, d) {
    MATCH (x)<-[:USED]-(:Run)-[:GENERATED]->(w:DatasetVersion)
    WHERE d.uid IN coalesce(w.column_inputs, [])
    RETURN w
    UNION
    MATCH (w:DatasetVersion)
    WHERE w.column_inputs IS NOT NULL AND d.uid IN w.column_inputs
      AND NOT EXISTS { (w)<-[:GENERATED]-(:Run)-[:USED]->(:DatasetVersion)-[:VERSION_OF]->(d) }
    RETURN w
  }
  CALL (w, d) {
    OPTIONAL MATCH (r:Run)-[:GENERATED]->(w)
    WITH w, d, collect(r) AS runs, min(coalesce(r.started_at, r.first_event_at)) AS started
    WITH w, d, runs, coalesce(started, w.created_at, w.recorded_at) AS read_at
    WITH w, d, read_at, head(COLLECT {
      UNWIND runs AS r
      MATCH (r)-[:USED]->(u:DatasetVersion)-[:VERSION_OF]->(d)
      RETURN u ORDER BY u.key LIMIT 1
    }) AS used
    WITH w, d, read_at, used, CASE WHEN used IS NULL THEN head(COLLECT {
      MATCH (u:DatasetVersion)-[:VERSION_OF]->(d)
      WHERE u.placeholder IS NULL AND u <> w
      CALL (u) {
        OPTIONAL MATCH (g:Run)-[:GENERATED]->(u)
        RETURN max(coalesce(g.ended_at, g.started_at)) AS made
      }
      WITH u, coalesce(u.created_at, made, u.recorded_at) AS at
      WHERE at <= read_at AND ($as_of IS NULL OR at <= $as_of)
      RETURN u ORDER BY at DESC, u.key DESC LIMIT 1
    }) END AS latest
    RETURN read_at, coalesce(used, latest) AS u
  }
  WITH x, d, w, u, read_at
  WHERE u = x AND ($as_of IS NULL OR read_at <= $as_of)
  RETURN collect({version: w.uid, dataset: d.uid, resolved: x.uid}) AS reached_links,
         collect(DISTINCT w) AS reached
}
WITH found, [w IN reached WHERE NOT w IN found] AS frontier, links + reached_links AS links
WITH found + frontier AS found, frontier, links
// @end
RETURN [n IN found | {kind: n.kind, key: n.key, props: properties(n)}] AS versions, links
