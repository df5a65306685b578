// Replace semantics for a list field: drop $type links from $source to anything not in $keep.
MATCH (a:Node {uid: $source})-[r:$($type)]->(b:Node)
WHERE NOT b.uid IN $keep
DELETE r
RETURN count(r) AS deleted
