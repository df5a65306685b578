// The total behind trail: audit events matching the same filters, on every page.
MATCH (a:AuditEvent)
WHERE ($target IS NULL OR a.target IN $target)
  AND ($actor IS NULL OR a.actor = $actor)
  AND ($action IS NULL OR a.action STARTS WITH $action)
  AND ($since IS NULL OR a.time >= $since)
  AND ($until IS NULL OR a.time < $until)
RETURN count(a) AS total
