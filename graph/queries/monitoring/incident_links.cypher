// What each incident led to: the runs addressing it, the lifecycle changes citing it
// (oldest first) and what fixed it.
UNWIND $keys AS key
MATCH (i:Incident {key: key})
RETURN collect({
  key: key,
  addressed_by: COLLECT { MATCH (r:Node)-[:ADDRESSES]->(i) RETURN r.uid ORDER BY r.uid },
  cited_by: COLLECT { MATCH (i)-[c:CITED]->(mv:Node)
                      WITH c, mv ORDER BY c.at, c.action
                      RETURN c {.*, model_version: mv.key} },
  fixed_by: COLLECT { MATCH (i)-[:FIXED_BY]->(n:Node) RETURN n.uid ORDER BY n.uid }
}) AS rows
