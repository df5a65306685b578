// For each node, the restricted classifications set on it or on its parent (a version's
// dataset or model): reading its schema or samples needs a clearance for each.
UNWIND $uids AS u
MATCH (n:Node {uid: u})
OPTIONAL MATCH (n)-[:VERSION_OF]->(parent:Node)
UNWIND [n, parent] AS holder
OPTIONAL MATCH (holder)-[:CLASSIFIED_AS]->(c:Classification)
WHERE c.restricted = true
RETURN u AS uid, collect(DISTINCT c.key) AS restricted
