// What classifying a column of the version $version needs to check, write-locked: the
// version's schema and columnLineage properties (no row when it does not exist), and which
// of the classifications $classifications (uids) exist.
MATCH (v:DatasetVersion {uid: $version})
SET v._lock = true
REMOVE v._lock
RETURN properties(v) AS props,
       COLLECT { MATCH (c:Classification) WHERE c.uid IN $classifications RETURN c.uid } AS found
