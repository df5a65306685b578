// The predictions each incident of $rows touched while it was open, per deployment: a
// count, the first and the last time (never the predictions). A row is {key, from, to,
// deployments, model_versions}: its open interval [from, to) (to: its closing, or now while
// open), the keys of the deployments it is about and the keys of the model versions it
// affects (about them, or downstream of what it is about).
// - A deployment it is about: every prediction the deployment made in [from, to), one
//   range of the (deployment, time) index; a row even with none.
// - Any other deployment: the predictions the affected versions made there in [from, to),
//   one range of the (model_version, time) index per version, grouped by deployment.
UNWIND $rows AS row
CALL (row) {
  UNWIND row.deployments AS key
  CALL (key, row) {
    MATCH (p:Prediction)
    WHERE p.deployment = key AND p.time >= row.from AND p.time < row.to
    RETURN count(p) AS predictions, min(p.time) AS first, max(p.time) AS last
  }
  RETURN key, true AS about, [] AS model_versions, predictions, first, last
  UNION ALL
  UNWIND row.model_versions AS mv
  MATCH (p:Prediction)
  WHERE p.model_version = mv AND p.time >= row.from AND p.time < row.to
    AND NOT p.deployment IN row.deployments
  WITH p.deployment AS key, mv, count(p) AS n, min(p.time) AS lo, max(p.time) AS hi
  ORDER BY mv
  RETURN key, false AS about, collect(mv) AS model_versions, sum(n) AS predictions,
         min(lo) AS first, max(hi) AS last
}
OPTIONAL MATCH (d:Node {uid: 'Deployment:' + key})
WITH row, key, about, model_versions, predictions, first, last, d ORDER BY key
RETURN collect({incident: row.key, key: key, about: about, model_versions: model_versions,
                predictions: predictions, first: first, last: last,
                deployment: CASE WHEN d IS NULL THEN null
                            ELSE {kind: d.kind, key: d.key, props: properties(d)} END}) AS rows
