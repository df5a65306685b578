// The first and last prediction time of days a prediction left (it was written again with
// another time, deployment or version), from the predictions now stored in the day (an
// index range on (deployment, time)), set on every shard of the day (locked by
// predictions/lock_all_shards.cypher): a day's first and last are the min and max over
// its shards.
UNWIND $days AS d
CALL (d) {
  OPTIONAL MATCH (p:Prediction)
  WHERE p.deployment = d.deployment AND p.time >= d.since AND p.time < d.until
    AND p.model_version = d.model_version
  RETURN min(p.time) AS first, max(p.time) AS last
}
MATCH (h:PredictionDay)
WHERE h.model_version = d.model_version AND h.deployment = d.deployment AND h.day = d.day
  AND h.shard IS NOT NULL
SET h.first = first, h.last = last
RETURN count(*) AS shards
