// A page of nodes of one kind in key order after $after, with optional filters:
// $equals (property -> value, property names from code), $tag, $classification,
// $parent (uid the node is a VERSION_OF / RUN_OF). Fetches $limit + 1 to know if more follow.
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
MATCH (n:Node)
WHERE n.kind = $kind AND n.key > $after
  AND all(p IN keys($equals) WHERE n[p] = $equals[p])
  AND ($tag IS NULL OR $tag IN n.tags)
  AND ($classification IS NULL
       OR EXISTS { (n)-[:CLASSIFIED_AS]->(:Node {uid: $classification}) })
  AND ($parent IS NULL OR EXISTS { (n)-[:VERSION_OF|RUN_OF]->(:Node {uid: $parent}) })
WITH n
ORDER BY n.key
LIMIT $limit + 1
RETURN collect({kind: n.kind, key: n.key,
                props: [k IN keys(n) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN n[k] IS :: ZONED DATETIME
                       THEN [k, n[k].epochSeconds, n[k].nanosecond, n[k].offsetSeconds]
                       ELSE [k, n[k]] END]}) AS rows
