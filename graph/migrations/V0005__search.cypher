// Search (Q10) by key fragments: a second full-text index, with the `simple` analyzer, on
// keys, names and tags. catalog_search (V0002, standard-no-stop-words) keeps digits but
// leaves `credit.debt_to_income`, `etl.loans` or `a:b` whole; `simple` splits at every
// character that is not a letter (`-` `_` `.` `/` `@` `:` digits ...), so each part of a
// key is a word of its own. Both are queried with the same terms (docs/search.md). Its
// properties differ from catalog_search's: Neo4j treats two full-text indexes on the same
// labels and properties as one, whatever their analyzers. Idempotent; on an existing
// database the index populates from what is stored, and the migration waits for it.
CREATE FULLTEXT INDEX catalog_search_parts IF NOT EXISTS
FOR (n:Dataset|DatasetVersion|Feature|CodeCommit|Job|Model|ModelVersion|Deployment|Person|Team|ServiceAccount|Classification)
ON EACH [n.key, n.name, n.tag_text]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'simple'}};
CALL db.awaitIndex('catalog_search_parts', 600);
