// Q9: deployments that serve at least one model version at $at.
MATCH (d:Deployment)
WHERE EXISTS {
  (d)-[s:SERVED]->(:ModelVersion)
  WHERE s.valid_from <= $at AND (s.valid_to IS NULL OR s.valid_to > $at)
}
RETURN d.kind AS kind, d.key AS key, properties(d) AS props
ORDER BY d.key
