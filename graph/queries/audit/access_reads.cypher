// The access log, newest first, optionally for one target or one reader.
MATCH (a:AccessEvent)
WHERE ($target IS NULL OR a.target = $target) AND ($actor IS NULL OR a.actor = $actor)
RETURN properties(a) AS read
ORDER BY a.time DESC
LIMIT $limit
