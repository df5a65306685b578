// The classifications that hold for the columns of the dataset versions $versions: those
// set on a column (COLUMN_CLASSIFIED_AS {column}), and those set on the version or its
// dataset (CLASSIFIED_AS), which hold for every column of the version (`column` null).
// With $as_of, only those recorded by then.
UNWIND $versions AS version
MATCH (v:DatasetVersion {uid: version})
OPTIONAL MATCH (v)-[:VERSION_OF]->(parent:Dataset)
CALL (v, parent) {
  MATCH (v)-[r:COLUMN_CLASSIFIED_AS]->(c:Classification)
  WHERE $as_of IS NULL OR r.recorded_at <= $as_of
  RETURN r.column AS column, c, v AS holder
  UNION
  MATCH (v)-[r:CLASSIFIED_AS]->(c:Classification)
  WHERE $as_of IS NULL OR r.recorded_at <= $as_of
  RETURN null AS column, c, v AS holder
  UNION
  MATCH (parent)-[r:CLASSIFIED_AS]->(c:Classification)
  WHERE $as_of IS NULL OR r.recorded_at <= $as_of
  RETURN null AS column, c, parent AS holder
}
RETURN collect({version: version, column: column, classification: c.key,
                holder: holder.uid}) AS rows
