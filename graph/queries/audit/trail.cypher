// Q5: audit events newest first, filtered by target, actor, action and time; paged by seq.
MATCH (a:AuditEvent)
WHERE ($target IS NULL OR a.target IN $target)
  AND ($actor IS NULL OR a.actor = $actor)
  AND ($action IS NULL OR a.action STARTS WITH $action)
  AND ($since IS NULL OR a.time >= $since)
  AND ($until IS NULL OR a.time < $until)
  AND ($before IS NULL OR a.seq < $before)
RETURN properties(a) AS event
ORDER BY a.seq DESC
LIMIT $limit
