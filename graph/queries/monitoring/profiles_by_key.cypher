// Stored profiles among $keys.
UNWIND $keys AS key
MATCH (p:Profile {key: key})
RETURN properties(p) AS profile
