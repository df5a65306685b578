// Nodes per label of an imported database, checked against what the import wrote:
// migration records and prediction day counts aside (the new database's migrations count
// the days, V0009).
MATCH (n)
UNWIND labels(n) AS label
WITH label
WHERE NOT label IN ['SchemaMigration', 'PredictionDay']
RETURN label, count(*) AS n
