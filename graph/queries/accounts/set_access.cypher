// Set an account's roles, clearances or active flag (null leaves one as it is).
MATCH (a:Node {uid: $account})
WHERE a.kind IN ['Person', 'ServiceAccount']
WITH a, {roles: coalesce(a.roles, []), clearances: coalesce(a.clearances, []),
         active: coalesce(a.active, true)} AS before
SET a.roles = coalesce($roles, before.roles),
    a.clearances = coalesce($clearances, before.clearances),
    a.active = coalesce($active, before.active)
RETURN before, {roles: a.roles, clearances: a.clearances, active: a.active} AS after
