// Q2: for affected model versions, the deployments that served them and, per deployment,
// how many predictions those versions made there and when (counts, never the rows);
// with $as_of, only serving that had begun and predictions made before then.
// Counts and times add up the PredictionDay counts (migration V0009: per deployment,
// version and UTC day, summed over shards; days a write emptied count nothing) of the days
// up to $last_full_day (the day before $as_of's, in UTC; else the last day there is), so
// the work grows with the days served, not the predictions; the predictions of $as_of's
// own day (from $as_of_day_start) up to $as_of are counted one by one (an index range on
// (deployment, time)). A predicate on each property of the day index lets the planner seek
// it (a composite index serves only queries that name all its properties).
UNWIND $model_versions AS mv_uid
MATCH (mv:Node {uid: mv_uid})
CALL (mv) {
  MATCH (d:Deployment)-[s:SERVED]->(mv)
  WHERE $as_of IS NULL OR s.valid_from <= $as_of
  WITH DISTINCT d
  CALL (mv, d) {
    OPTIONAL MATCH (h:PredictionDay)
    WHERE h.model_version = mv.key AND h.deployment = d.key AND h.day <= $last_full_day
      AND h.shard IS NOT NULL
    WITH h.day AS day, sum(h.count) AS n, min(h.first) AS first, max(h.last) AS last
    WHERE n > 0
    RETURN sum(n) AS days, min(first) AS first, max(last) AS last
  }
  CALL (mv, d) {
    OPTIONAL MATCH (p:Prediction)
    WHERE $as_of IS NOT NULL AND p.model_version = mv.key
      AND p.time >= $as_of_day_start AND p.time < $as_of
      AND p.deployment = d.key
    RETURN count(p) AS today, min(p.time) AS today_first, max(p.time) AS today_last
  }
  RETURN d, days + today AS predictions, coalesce(first, today_first) AS first,
         CASE WHEN today > 0 THEN today_last ELSE last END AS last
}
RETURN d.kind AS kind, d.key AS key, properties(d) AS props, mv.uid AS model_version,
       predictions, first, last
ORDER BY key, model_version
