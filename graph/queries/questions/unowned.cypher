// Q8: things of $kinds with no owner at $at, in uid order after $after.
MATCH (n:Node)
WHERE n.kind IN $kinds AND n.uid > $after
  AND NOT EXISTS {
    (n)<-[o:OWNS]-()
    WHERE (o.valid_from IS NULL OR o.valid_from <= $at) AND (o.valid_to IS NULL OR o.valid_to > $at)
  }
RETURN n.kind AS kind, n.key AS key, properties(n) AS props
ORDER BY n.uid
LIMIT $limit + 1
