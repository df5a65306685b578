// The catalog as it is, the base of an offline import (lineage import): every node with its
// labels and properties, read in the same transaction as base_relationships. Migration
// records stay behind (the new database runs its own migrations), and so do prediction day
// counts (V0009 counts them from every prediction of the new database).
MATCH (n)
WHERE NOT (n:SchemaMigration OR n:PredictionDay)
RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props
