// Move a model version to a stage (the rules are checked by the caller, under the lock).
MATCH (mv:Node {uid: $uid})
WHERE mv:ModelVersion
SET mv.stage = $stage
RETURN mv.stage AS stage
