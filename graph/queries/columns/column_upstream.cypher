// Column lineage upstream of the dataset versions $starts, at most $depth column levels
// (<= 20): each version's `column_inputs` (the Datasets its columnLineage facet names,
// stored at ingest) resolved to versions, transitively. An input dataset resolves to the
// version that the run which generated the reading version USED (the first by key when it
// used several), else to the dataset's newest version made by the time that run started
// (created_at, else the end of its generating run, else when it was recorded; ties by the
// greater key), and with $as_of by then too. Breadth-first, one round per level.
// Answers the versions reached (the starts included) and each resolution as a link
// {version, dataset, resolved}; resolved is null when the dataset has no version.
MATCH (s:DatasetVersion) WHERE s.uid IN $starts
WITH collect(s) AS found
WITH found, found AS frontier, [] AS links
// @repeat 20
CALL (frontier) {
  UNWIND frontier AS v
  UNWIND coalesce(v.column_inputs, []) AS input
  MATCH (d:Dataset {uid: input})
  WHERE $depth >= ROUND
  CALL (v, d) {
    OPTIONAL MATCH (r:Run)-[:GENERATED]->(v)
    WITH v, d, collect(r) AS runs, min(coalesce(r.started_at, r.first_event_at)) AS started
    WITH v, d, runs, coalesce(started, v.created_at, v.recorded_at) AS read_at
    WITH v, d, read_at, head(COLLECT {
      UNWIND runs AS r
      MATCH (r)-[:USED]->(u:DatasetVersion)-[:VERSION_OF]->(d)
      RETURN u ORDER BY u.key LIMIT 1
    }) AS used
    WITH v, d, read_at, used, CASE WHEN used IS NULL THEN head(COLLECT {
      MATCH (u:DatasetVersion)-[:VERSION_OF]->(d)
      WHERE u.placeholder IS NULL AND u <> v
      CALL (u) {
        OPTIONAL MATCH (g:Run)-[:GENERATED]->(u)
        RETURN max(coalesce(g.ended_at, g.started_at)) AS made
      }
      WITH u, coalesce(u.created_at, made, u.recorded_at) AS at
      WHERE at <= read_at AND ($as_of IS NULL OR at <= $as_of)
      RETURN u ORDER BY at DESC, u.key DESC LIMIT 1
    }) END AS latest
    RETURN coalesce(used, latest) AS u
  }
  RETURN collect({version: v.uid, dataset: d.uid, resolved: u.uid}) AS reached_links,
         collect(DISTINCT u) AS reached
}
WITH found, [u IN reached WHERE NOT u IN found] AS frontier, links + reached_links AS links
WITH found + frontier AS found, frontier, links
// @end
RETURN [n IN found | {kind: n.kind, key: n.key, props: properties(n)}] AS versions, links
