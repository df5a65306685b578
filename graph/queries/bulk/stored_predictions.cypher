// Which of $keys name a stored prediction (one row): the loader CREATEs the others.
UNWIND $keys AS key
MATCH (p:Node {uid: 'Prediction:' + key})
RETURN collect(key) AS keys
