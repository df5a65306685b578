// What a transaction's prediction writes change in the days' counts, on shards that
// predictions/lock_days.cypher created and locked: per (model version, deployment, UTC
// day), the number added (negative: moved away by a prediction written again with other
// values) and the first and last time of those added. A day's first and last only widen
// here; where a prediction left a day, predictions/refresh_days.cypher sets them again.
UNWIND $days AS d
MATCH (h:PredictionDay {model_version: d.model_version, deployment: d.deployment,
                        day: d.day, shard: $shard})
SET h.count = h.count + d.delta,
    h.first = CASE WHEN d.first IS NOT NULL AND (h.first IS NULL OR d.first < h.first)
                   THEN d.first ELSE h.first END,
    h.last = CASE WHEN d.last IS NOT NULL AND (h.last IS NULL OR d.last > h.last)
                  THEN d.last ELSE h.last END
RETURN count(*) AS days
