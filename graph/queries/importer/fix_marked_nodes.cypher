// After an offline import: such values on nodes without a uid (audit events, accounts,
// ...), which the import marked with _import_fix, the key of their values in $fixes.
MATCH (n)
WHERE n._import_fix IS NOT NULL
SET n += $fixes[n._import_fix]
REMOVE n._import_fix
RETURN count(n) AS fixed
