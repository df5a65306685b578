// Q10 without text: entities by tag and/or classification, in uid order.
MATCH (n:Node)
WHERE n.kind IN $kinds
  AND ($tag IS NULL OR $tag IN n.tags)
  AND ($classification IS NULL
       OR EXISTS { (n)-[:CLASSIFIED_AS]->(:Node {uid: $classification}) })
RETURN n.kind AS kind, n.key AS key, properties(n) AS props, 1.0 AS score
ORDER BY n.uid
LIMIT $limit
