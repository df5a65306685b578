// New predictions, grouped by (deployment, model version); row: [key, time in epoch
// microseconds, output]. Only keys the same transaction found unstored (and each once):
// CREATE skips MERGE's lookup and lock per row. A concurrent load that stored one of them
// meanwhile fails this statement on the uid constraint, and the writer runs its
// transaction again (store/predictions.write), which then finds that key stored and
// MERGEs it (bulk/load_predictions). MADE_BY is the deployment and model_version
// properties.
UNWIND $groups AS g
UNWIND g.rows AS row
CREATE (:Node:Prediction {
  uid: 'Prediction:' + row[0], kind: 'Prediction', key: row[0], recorded_at: $now,
  deployment: g.deployment, model_version: g.model_version,
  time: datetime.fromepoch(row[1] / 1000000, row[1] % 1000000 * 1000), output: row[2]
})
