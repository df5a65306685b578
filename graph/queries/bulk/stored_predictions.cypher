// Which of $keys name a stored prediction (one row), each locked (written) so that a
// concurrent writer of the same prediction waits for this transaction: what
// bulk/prediction_values.cypher then reads of them is final until it commits. The loader
// CREATEs the keys not found.
UNWIND $keys AS key
MATCH (p:Node {uid: 'Prediction:' + key})
SET p.recorded_at = p.recorded_at
RETURN collect(key) AS keys
