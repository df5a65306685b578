// Q10: full-text search over keys, names, descriptions and tags, with optional filters.
CALL db.index.fulltext.queryNodes('catalog_search', $text) YIELD node, score
WHERE ($kinds IS NULL OR node.kind IN $kinds)
  AND ($tag IS NULL OR $tag IN node.tags)
  AND ($classification IS NULL
       OR EXISTS { (node)-[:CLASSIFIED_AS]->(:Node {uid: $classification}) })
RETURN node.kind AS kind, node.key AS key, properties(node) AS props, score
ORDER BY score DESC, node.uid
LIMIT $limit
