// Stored observations among $keys (`<monitor>|<time>`): the value each holds.
UNWIND $keys AS key
MATCH (o:Observation {key: key})
RETURN o.key AS key, o.value AS value
