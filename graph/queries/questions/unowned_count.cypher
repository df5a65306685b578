// The total behind unowned: things of $kinds with no owner at $at, by the same rule.
MATCH (n:Node)
WHERE n.kind IN $kinds
  AND NOT EXISTS {
    (n)-[:VERSION_OF]->{0,1}(:Node)<-[o:OWNS]-()
    WHERE (o.valid_from IS NULL OR o.valid_from <= $at) AND (o.valid_to IS NULL OR o.valid_to > $at)
  }
RETURN count(n) AS total
