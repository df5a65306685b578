// The total behind page_by_kind, with the same filters.
MATCH (n:Node)
WHERE n.kind = $kind
  AND all(p IN keys($equals) WHERE n[p] = $equals[p])
  AND ($tag IS NULL OR $tag IN n.tags)
  AND ($classification IS NULL
       OR EXISTS { (n)-[:CLASSIFIED_AS]->(:Node {uid: $classification}) })
  AND ($parent IS NULL OR EXISTS { (n)-[:VERSION_OF|RUN_OF]->(:Node {uid: $parent}) })
RETURN count(n) AS total
