// The shards of $days that a transaction's prediction writes change, created if new and
// locked (written) before predictions/count_days.cypher reads and adds to them: two
// writers that drew the same shard add up instead of one overwriting the other (a lost
// update). In key order, so that two writers lock shared days in the same order.
UNWIND $days AS d
MERGE (h:PredictionDay {model_version: d.model_version, deployment: d.deployment,
                        day: d.day, shard: $shard})
SET h.count = coalesce(h.count, 0)
RETURN count(*) AS days
