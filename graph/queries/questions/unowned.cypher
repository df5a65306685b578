// Q8: things of $kinds with no owner at $at, in uid order after $after. The rule of
// owners_of.cypher: a thing is owned when it, or (for a version) its parent over VERSION_OF,
// has an owner; a dataset or model whose only owners are on versions is unowned.
MATCH (n:Node)
WHERE n.kind IN $kinds AND n.uid > $after
  AND NOT EXISTS {
    (n)-[:VERSION_OF]->{0,1}(:Node)<-[o:OWNS]-()
    WHERE (o.valid_from IS NULL OR o.valid_from <= $at) AND (o.valid_to IS NULL OR o.valid_to > $at)
  }
RETURN n.kind AS kind, n.key AS key, properties(n) AS props
ORDER BY n.uid
LIMIT $limit + 1
