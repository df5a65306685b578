// Times stored with a zone name instead of an offset become UTC. Bulk loads used to store
// pyarrow's timestamp[us, tz=UTC] values as `…Z[UTC]`, and Neo4j orders a zoned time apart
// from an offset one (datetime('…Z[UTC]') <= datetime('…Z') is false), which turned
// [validFrom, validTo) into (validFrom, validTo]. Writes now normalise every time to UTC
// (domain/rules.py utc); this fixes what was stored before. Idempotent.
MATCH (n:Node)
WITH n, [k IN keys(n) WHERE CASE WHEN n[k] IS :: ZONED DATETIME
                                  THEN n[k].timezone <> n[k].offset ELSE false END] AS names
WHERE size(names) > 0
FOREACH (k IN names | SET n[k] = datetime({datetime: n[k], timezone: 'Z'}));
MATCH (:Node)-[r:SERVED|OWNS]->(:Node)
WITH r, [k IN keys(r) WHERE CASE WHEN r[k] IS :: ZONED DATETIME
                                  THEN r[k].timezone <> r[k].offset ELSE false END] AS names
WHERE size(names) > 0
FOREACH (k IN names | SET r[k] = datetime({datetime: r[k], timezone: 'Z'}));
