// Nodes per label of an imported database (migration records aside), checked against
// what the import wrote.
MATCH (n)
UNWIND labels(n) AS label
WITH label
WHERE label <> 'SchemaMigration'
RETURN label, count(*) AS n
