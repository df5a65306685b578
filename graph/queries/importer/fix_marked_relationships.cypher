// After an offline import: such values on relationships, marked like fix_marked_nodes.
MATCH ()-[r]->()
WHERE r._import_fix IS NOT NULL
SET r += $fixes[r._import_fix]
REMOVE r._import_fix
RETURN count(r) AS fixed
