// Q8: what an agent owns at $at; with $include_teams, also what the person's teams own.
// Each OWNS link once, on what it points to (a version owned directly is listed; the
// versions of an owned dataset or model are not repeated: they inherit, owners_of.cypher).
MATCH (a:Node {uid: $owner})
CALL (a) {
  MATCH (a)-[o:OWNS]->(t:Node)
  RETURN a AS owner, o, t
  UNION
  MATCH (a)-[:MEMBER_OF]->(team:Team)-[o:OWNS]->(t:Node)
  WHERE $include_teams
  RETURN team AS owner, o, t
}
WITH owner, o, t
WHERE (o.valid_from IS NULL OR o.valid_from <= $at) AND (o.valid_to IS NULL OR o.valid_to > $at)
RETURN owner.kind AS owner_kind, owner.key AS owner_key, properties(owner) AS owner_props,
       t.kind AS kind, t.key AS key, properties(t) AS props, properties(o) AS edge
ORDER BY t.uid, owner.uid
