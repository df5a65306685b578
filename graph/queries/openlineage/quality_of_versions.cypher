// What OpenLineage reported of the quality of each version in $uids: for each run that
// read it (at most $limit, latest first), the facets on its USED link (the reader's input
// facets, merged over the run's events) and the run's own facets (its `test` facet); and
// the run facets of each run that generated it having read nothing.
UNWIND $uids AS uid
MATCH (v:Node {uid: uid})
RETURN collect({
  uid: uid,
  reads: COLLECT {
    MATCH (r:Run)-[u:USED]->(v)
    WITH r, u ORDER BY coalesce(r.ended_at, r.started_at, r.first_event_at) DESC, r.uid
    LIMIT $limit
    RETURN {run: r.key, facets: u.facets_json, stamps: u.facet_stamps_json,
            run_facets: r.facets_json, run_stamps: r.facet_stamps_json}
  },
  writes: COLLECT {
    MATCH (r:Run)-[:GENERATED]->(v)
    WHERE NOT (r)-[:USED]->() AND r.facets_json IS NOT NULL
    WITH r ORDER BY r.uid LIMIT $limit
    RETURN {run: r.key, run_facets: r.facets_json, run_stamps: r.facet_stamps_json}
  }
}) AS rows
