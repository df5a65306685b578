// End serving intervals at $now, named by the element ids read earlier in the same
// transaction. Who ended each and why are kept beside its own reason and changed_by.
UNWIND $ids AS id
MATCH ()-[s:SERVED]->()
WHERE elementId(s) = id
SET s.valid_to = $now, s.ended_by = $ended_by, s.end_reason = $reason
RETURN count(s) AS closed
