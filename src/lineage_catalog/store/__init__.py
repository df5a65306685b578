"""Store: runs the named .cypher files and turns records into domain objects."""
