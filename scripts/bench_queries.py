"""What each benchmark workload sends: the catalog's GraphQL, the hand-written Cypher floor,
and the nested query for the Neo4j GraphQL Library (scripts/neo4j-graphql-bench)."""

from __future__ import annotations

import random
from typing import Any

from lineage_catalog.store import predictions
from lineage_catalog.store.files import query_text

# --- W1 prediction trace (Q1) -------------------------------------------------------------

TRACE_API = """
query Trace($key: String!) {
  predictionTrace(key: $key) {
    prediction { id key time output }
    deployment { id key }
    modelVersion { id key stage }
    trainingRun { id key startedAt }
    runs { id key runKind }
    datasetVersions { id key contentHash }
    features { id key }
    upstreamModelVersions { id key }
    codeCommits { id key author { id key } }
    edges { type source target }
    owners { role owner { ... on Person { id } ... on Team { id } } target { id } }
  }
}"""

# The floor: one statement, the upstream runs found by a quantified path pattern (the demo's
# lineage has little fan-in, so enumerating paths is cheap), everything else from them.
TRACE_CYPHER = """
MATCH (p:Node {uid: $uid})
OPTIONAL MATCH (d:Node {uid: 'Deployment:' + p.deployment})
OPTIONAL MATCH (mv:Node {uid: 'ModelVersion:' + p.model_version})
CALL (mv) {
  MATCH (mv) (()<-[:GENERATED]-(:Run)-[:USED]->()){0,19} ()<-[:GENERATED]-(r:Run)
  RETURN collect(DISTINCT r) AS runs
}
CALL (runs) {
  UNWIND runs AS r
  MATCH (r)-[:USED]->(u)
  RETURN collect(DISTINCT u) AS used
}
CALL (runs, used, mv) {
  UNWIND runs AS r
  MATCH (r)-[e:USED|GENERATED|EXECUTED]->(x)
  WHERE type(e) <> 'GENERATED' OR x = mv OR x IN used
  RETURN collect({type: type(e), source: r.uid, target: x.uid}) AS edges,
         collect(DISTINCT CASE WHEN type(e) = 'EXECUTED' THEN x END) AS commits
}
CALL (commits) {
  UNWIND commits AS c
  OPTIONAL MATCH (c)<-[:AUTHORED]-(a)
  RETURN collect(c {id: c.uid, .key, author: a {id: a.uid, .key}}) AS code_commits
}
CALL (used, mv, d) {
  UNWIND [x IN used WHERE x.kind IN ['DatasetVersion', 'Feature', 'ModelVersion']] + [mv, d] AS t
  OPTIONAL MATCH (t)-[:VERSION_OF]->(parent)
  WITH DISTINCT CASE WHEN t.kind IN ['DatasetVersion', 'ModelVersion'] THEN parent ELSE t END
       AS anchor
  MATCH (o)-[w:OWNS]->(anchor)
  WHERE w.valid_from <= $now AND (w.valid_to IS NULL OR w.valid_to > $now)
  RETURN collect(DISTINCT {role: w.role, owner: o.uid, target: anchor.uid}) AS owners
}
RETURN p {id: p.uid, .key, .time, .output} AS prediction,
       d {id: d.uid, .key} AS deployment,
       mv {id: mv.uid, .key, .stage} AS model_version,
       [r IN runs WHERE EXISTS { (r)-[:GENERATED]->(mv) } | r {id: r.uid, .key, .started_at}][0]
         AS training_run,
       [r IN runs | r {id: r.uid, .key, .run_kind}] AS runs,
       [x IN used WHERE x.kind = 'DatasetVersion' | x {id: x.uid, .key, .content_hash}]
         AS dataset_versions,
       [x IN used WHERE x.kind = 'Feature' | x {id: x.uid, .key}] AS features,
       [x IN used WHERE x.kind = 'ModelVersion' | x {id: x.uid, .key}] AS upstream_model_versions,
       code_commits, edges, owners
"""

# --- W2 impact (Q2) -----------------------------------------------------------------------

IMPACT_API = """
query Impact($key: String!) {
  impact(datasetVersion: $key) {
    runs { id key }
    datasetVersions { id key }
    features { id key }
    modelVersions { id key stage }
    evaluations { id key }
    deployments {
      deployment { id key } modelVersion predictionCount firstPrediction lastPrediction
    }
    predictionCount
  }
}"""

IMPACT_CYPHER = """
MATCH (start:Node {uid: $uid})
CALL (start) {
  MATCH (start) (()<-[:USED]-(:Run)-[:GENERATED]->()){0,19} ()<-[:USED]-(r:Run)
  RETURN collect(DISTINCT r) AS runs
}
CALL (runs) {
  UNWIND runs AS r
  MATCH (r)-[:GENERATED]->(g)
  RETURN collect(DISTINCT g) AS generated
}
CALL (generated) {
  UNWIND [g IN generated WHERE g.kind = 'ModelVersion'] AS mv
  MATCH (d:Deployment)-[:SERVED]->(mv)
  WITH DISTINCT d, mv
  CALL (d, mv) {
    // The day counts (migration V0009), summed over their shards.
    OPTIONAL MATCH (h:PredictionDay)
    WHERE h.model_version = mv.key AND h.deployment = d.key AND h.day IS NOT NULL
      AND h.shard IS NOT NULL
    WITH h.day AS day, sum(h.count) AS n, min(h.first) AS first, max(h.last) AS last
    WHERE n > 0
    RETURN sum(n) AS n, min(first) AS first, max(last) AS last
  }
  RETURN collect({deployment: d {id: d.uid, .key}, model_version: mv.uid, predictions: n,
                  first: first, last: last}) AS deployments
}
RETURN [r IN runs | r {id: r.uid, .key}] AS runs,
       [g IN generated WHERE g.kind = 'DatasetVersion' | g {id: g.uid, .key}] AS dataset_versions,
       [g IN generated WHERE g.kind = 'Feature' | g {id: g.uid, .key}] AS features,
       [g IN generated WHERE g.kind = 'ModelVersion' | g {id: g.uid, .key, .stage}]
         AS model_versions,
       [g IN generated WHERE g.kind = 'Evaluation' | g {id: g.uid, .key}] AS evaluations,
       deployments,
       reduce(total = 0, x IN deployments | total + x.predictions) AS prediction_count
"""

# --- W3 upstream lineage, depth 10 --------------------------------------------------------

UPSTREAM_API = """
query Upstream($id: ID!) {
  lineage(id: $id, direction: UPSTREAM, depth: 10, first: 500) {
    totalNodes
    nodes { id kind key }
    edges { type source target }
  }
}"""

UPSTREAM_CYPHER = """
MATCH (start:Node {uid: $uid})
CALL (start) {
  MATCH (start) (()<-[:GENERATED]-(:Run)-[:USED]->()){0,9} ()<-[:GENERATED]-(r:Run)
  RETURN collect(DISTINCT r) AS runs
}
CALL (runs) {
  UNWIND runs AS r
  MATCH (r)-[:USED]->(u)
  RETURN collect(DISTINCT u) AS used
}
CALL (runs, used, start) {
  UNWIND runs AS r
  MATCH (r)-[e:USED|GENERATED|EXECUTED]->(x)
  WHERE type(e) <> 'GENERATED' OR x = start OR x IN used
  RETURN collect({type: type(e), source: r.uid, target: x.uid}) AS edges,
         collect(DISTINCT CASE WHEN type(e) = 'EXECUTED' THEN x END) AS commits
}
UNWIND runs + used + commits AS n
WITH DISTINCT n, edges
ORDER BY n.uid
RETURN count(n) AS total_nodes, collect(n {id: n.uid, .kind, .key}) AS nodes, edges
"""

# --- W4 mixed: lookups, traces and ingest batches -----------------------------------------

LOOKUP_API = """
query Lookup($key: String!) {
  prediction(key: $key) {
    id key time output
    deployment { id key }
    modelVersion { id key stage }
  }
}"""

LOOKUP_CYPHER = """
MATCH (p:Node {uid: $uid})
OPTIONAL MATCH (d:Node {uid: 'Deployment:' + p.deployment})
OPTIONAL MATCH (mv:Node {uid: 'ModelVersion:' + p.model_version})
RETURN p {id: p.uid, .key, .time, .output} AS prediction, d {id: d.uid, .key} AS deployment,
       mv {id: mv.uid, .key, .stage} AS model_version
"""

# --- W6 wide read: 10k runs, 10 fields each -----------------------------------------------
# The floor returns times as ISO strings (what the JSON answer holds): turning 30k Neo4j
# DateTimes into Python objects costs the Python driver more than the rest of the rows.

WIDE_API = """
query Wide($first: Int!, $after: String) {
  nodes(kind: RUN, first: $first, after: $after) {
    edges {
      node {
        ... on Run {
          id key kind recordedAt runKind status startedAt endedAt parameters environment
        }
      }
    }
  }
}"""

WIDE_CYPHER = """
MATCH (n:Node)
WHERE n.kind = 'Run' AND n.key > $after
WITH n ORDER BY n.key LIMIT $first
RETURN n.uid AS id, n.key AS key, n.kind AS kind, toString(n.recorded_at) AS recordedAt,
       n.run_kind AS runKind, n.status AS status, toString(n.started_at) AS startedAt,
       toString(n.ended_at) AS endedAt, n.parameters_json AS parameters,
       n.environment_json AS environment
"""

# --- Samples the workloads draw from ------------------------------------------------------

SAMPLE_RAW_VERSIONS = """
MATCH (v:DatasetVersion) WHERE v.dataset ENDS WITH '-raw'
RETURN v.key AS key ORDER BY v.key
"""
SAMPLE_SCORE_VERSIONS = """
MATCH (v:DatasetVersion) WHERE v.dataset ENDS WITH '-scores'
RETURN v.uid AS uid ORDER BY v.uid
"""
SAMPLE_SERVED_PAIRS = """
MATCH (d:Deployment)-[s:SERVED]->(mv:ModelVersion) WHERE s.traffic_share > 0
RETURN DISTINCT d.key AS deployment, mv.key AS model_version ORDER BY deployment, model_version
"""
RUN_KEYS = """
MATCH (n:Node) WHERE n.kind = 'Run' RETURN n.key AS key ORDER BY key
"""

# --- W5 bulk load: the floor ------------------------------------------------------------

# The loader's own statement for new keys (CREATE; the rows are new) and, in the same
# statement, the day counts the storage design keeps (predictions/lock_days.cypher and
# count_days.cypher, as one MERGE and add: the floor does not wait for other writers).
FLOOR_INGEST = (
    query_text("bulk/create_predictions")
    + """
WITH count(*) AS created
UNWIND $days AS d
MERGE (h:PredictionDay {model_version: d.model_version, deployment: d.deployment,
                        day: d.day, shard: $shard})
SET h.count = coalesce(h.count, 0) + d.delta,
    h.first = CASE WHEN h.first IS NULL OR d.first < h.first THEN d.first ELSE h.first END,
    h.last = CASE WHEN h.last IS NULL OR d.last > h.last THEN d.last ELSE h.last END
"""
)


def floor_rows(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """FLOOR_INGEST's parameters for new prediction rows, prepared before the clock."""
    days, _ = predictions.day_changes(added=predictions.last_made(groups).values())
    return {"groups": groups, "days": days, "shard": random.randrange(predictions.SHARDS)}
