// Q10 with text, one statement: an exact key first (tier 2), then keys starting with the
// text (tier 1), then entities whose keys, names, descriptions or tags hold every term as a
// word or the start of one (tier 0), in either full-text index. $key is null when the text
// cannot be a key; $words is a Lucene query built from escaped terms. Within a tier, the
// best full-text relevance first; score = tier + relevance / (1 + relevance) keeps tiers apart.
CALL {
  MATCH (n:Node) WHERE n.kind IN $kinds AND n.key = $key
  RETURN n, 2 AS tier, 0.0 AS relevance
  UNION ALL
  MATCH (n:Node) WHERE n.kind IN $kinds AND n.key STARTS WITH $key
  RETURN n, 1 AS tier, 0.0 AS relevance
  UNION ALL
  CALL db.index.fulltext.queryNodes('catalog_search', $words) YIELD node, score
  RETURN node AS n, 0 AS tier, score AS relevance
  UNION ALL
  CALL db.index.fulltext.queryNodes('catalog_search_parts', $words) YIELD node, score
  RETURN node AS n, 0 AS tier, score AS relevance
}
WITH n, max(tier) AS tier, max(relevance) AS relevance
WHERE n.kind IN $kinds
  AND ($tag IS NULL OR $tag IN n.tags)
  AND ($classification IS NULL
       OR EXISTS { (n)-[:CLASSIFIED_AS]->(:Node {uid: $classification}) })
RETURN n.kind AS kind, n.key AS key, properties(n) AS props,
       tier + relevance / (1.0 + relevance) AS score,
       CASE tier WHEN 2 THEN 'KEY' WHEN 1 THEN 'KEY_PREFIX' ELSE 'WORDS' END AS match
ORDER BY score DESC, n.uid
LIMIT $limit
