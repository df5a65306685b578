// Relationships per type of an imported database, checked against what the import wrote.
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS n
