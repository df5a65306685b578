// Every shard of $days locked (written), before predictions/refresh_days.cypher reads
// the days' predictions: a writer adding to one of these shards meanwhile waits, and one
// that wrote a new shard carries its own first and last.
UNWIND $days AS d
MATCH (h:PredictionDay)
WHERE h.model_version = d.model_version AND h.deployment = d.deployment AND h.day = d.day
  AND h.shard IS NOT NULL
SET h.count = h.count
RETURN count(*) AS shards
