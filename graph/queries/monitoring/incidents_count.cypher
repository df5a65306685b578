// How many incidents match incidents_page's filters, in all pages.
MATCH (i:Incident)
WHERE ($statuses IS NULL OR i.status IN $statuses)
  AND ($severities IS NULL OR i.severity IN $severities)
  AND ($until IS NULL OR i.opened_at < $until)
  AND ($since IS NULL OR i.closed_at IS NULL OR i.closed_at >= $since)
  AND ($target IS NULL OR EXISTS { (i)-[:ABOUT]->(:Node {uid: $target}) })
RETURN count(i) AS total
