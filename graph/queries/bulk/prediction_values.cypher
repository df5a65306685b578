// The stored predictions of $keys as nodes (kind, key, props), read after
// bulk/stored_predictions.cypher locked them: what a write replaces (its day counts and
// audit take these values).
UNWIND $keys AS key
MATCH (p:Node {uid: 'Prediction:' + key})
RETURN p.kind AS kind, p.key AS key, properties(p) AS props
