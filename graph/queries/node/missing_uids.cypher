// Which of $uids name no node (reference checks before a write, in its transaction).
UNWIND $uids AS uid
OPTIONAL MATCH (n:Node {uid: uid})
WITH uid, n
WHERE n IS NULL
RETURN uid
