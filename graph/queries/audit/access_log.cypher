// Reads of restricted fields, granted or refused: one node per read, never changed.
UNWIND $reads AS r
CREATE (a:AccessEvent)
SET a = r, a.time = $now
RETURN count(a) AS logged
