// Monitors by key, with the node each watches.
UNWIND $keys AS key
MATCH (m:Monitor {key: key})-[:WATCHES]->(t:Node)
RETURN collect({monitor: properties(m),
                target: {kind: t.kind, key: t.key, props: properties(t)}}) AS rows
