// Batch (DataLoader): for each uid, its owners at $at by the catalog's one ownership rule:
// the OWNS links onto the node itself (direct), and for a version also those onto its
// parent over VERSION_OF (inherited: a dataset's owners own its versions, a model's its
// model versions). A parent's owners are its own only: an owner of one version owns that
// version, not the dataset or its other versions. unowned.cypher counts by the same rule.
// Direct ones first, at most $limit per uid.
// Properties go out as [name, value] pairs, datetimes as [name, epochSeconds, nanosecond,
// offsetSeconds] (store.nodes.property_pairs): the driver decodes integers far faster.
UNWIND $uids AS uid
MATCH (n:Node {uid: uid})
CALL (n) {
  MATCH (n)-[:VERSION_OF]->{0,1}(holder:Node)<-[o:OWNS]-(a:Node)
  WHERE (o.valid_from IS NULL OR o.valid_from <= $at) AND (o.valid_to IS NULL OR o.valid_to > $at)
  RETURN holder, o, a
  ORDER BY holder <> n, coalesce(o.valid_from, o.recorded_at) DESC, a.key
  LIMIT $limit
}
RETURN collect({origin: uid, holder: holder.uid, kind: a.kind, key: a.key,
                props: [k IN keys(a) WHERE NOT k IN ['uid', 'kind', 'key'] |
                  CASE WHEN a[k] IS :: ZONED DATETIME
                       THEN [k, a[k].epochSeconds, a[k].nanosecond, a[k].offsetSeconds]
                       ELSE [k, a[k]] END],
                edge: [k IN keys(o) |
                  CASE WHEN o[k] IS :: ZONED DATETIME
                       THEN [k, o[k].epochSeconds, o[k].nanosecond, o[k].offsetSeconds]
                       ELSE [k, o[k]] END]}) AS rows
