// Classify the column $column of the version $version as each of $classifications
// (uids, checked to exist): one COLUMN_CLASSIFIED_AS link per classification, keyed by the
// column name; idempotent. Answers the classifications newly added.
MATCH (v:DatasetVersion {uid: $version})
UNWIND $classifications AS classification
MATCH (c:Classification {uid: classification})
OPTIONAL MATCH (v)-[old:COLUMN_CLASSIFIED_AS {column: $column}]->(c)
WITH v, c, old
MERGE (v)-[r:COLUMN_CLASSIFIED_AS {column: $column}]->(c)
ON CREATE SET r.recorded_at = $now
RETURN collect(CASE WHEN old IS NULL THEN c.uid END) AS added
