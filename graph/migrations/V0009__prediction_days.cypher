// Predictions counted per day (docs/performance.md, "Prediction counts"): a PredictionDay
// holds, for one deployment, model version and UTC day, how many predictions it made and
// the first and last prediction's time, so that impact counts and time ranges add up
// days instead of counting every prediction. Concurrent writers add to different shards
// of a day (store/predictions.py), so that parallel loads of the same deployment do not
// queue on one node; a day's values are the sum (count) and min / max (first, last) over
// its shards. Not catalog nodes (no :Node). The uniqueness constraint also indexes the
// lookups by (model_version, deployment, day). Then the days of the predictions stored
// already, counted afresh: on an upgraded catalog, and on the new database of an offline
// import (lineage import), which stages no day counts and runs every migration.
CREATE CONSTRAINT prediction_day_key IF NOT EXISTS FOR (n:PredictionDay) REQUIRE (n.model_version, n.deployment, n.day, n.shard) IS UNIQUE;
CALL db.awaitIndexes(600);
MATCH (h:PredictionDay)
CALL (h) { DELETE h } IN TRANSACTIONS OF 10000 ROWS;
MATCH (p:Prediction)
WHERE p.time IS NOT NULL AND p.deployment IS NOT NULL AND p.model_version IS NOT NULL
WITH p.model_version AS model_version, p.deployment AS deployment, date(p.time) AS day,
     count(*) AS n, min(p.time) AS first, max(p.time) AS last
CALL (model_version, deployment, day, n, first, last) {
  CREATE (:PredictionDay {model_version: model_version, deployment: deployment, day: day,
                          shard: 0, count: n, first: first, last: last})
} IN TRANSACTIONS OF 10000 ROWS;
