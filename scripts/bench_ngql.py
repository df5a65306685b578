"""Way (c): the same questions through the Neo4j GraphQL Library (scripts/neo4j-graphql-bench).

The library has no transitive traversal, so Q1 is the nested query a client would write:
`generatedBy { used { ... generatedBy { ... } } }` to a fixed number of run levels (enough
for the demo catalog's lineage; W1 checks that it finds the same nodes as the API).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bench_measure import GraphQLClient

RUN_LEVELS = 3  # the demo lineage: every upstream node is within 3 run levels of a model version
CURRENT = (
    "(where: {edge: {valid_from: {lte: $now}, "
    "OR: [{valid_to: {eq: null}}, {valid_to: {gt: $now}}]}})"
)
OWNERS = f"ownersConnection{CURRENT} {{ edges {{ properties {{ role }} node {{ uid }} }} }}"


def _run(level: int) -> str:
    """A run and, below it, what it used, to `level` more run levels."""
    below = f"generatedBy {{ {_run(level - 1)} }}" if level > 1 else ""
    return (
        "uid key run_kind started_at executed { uid key authors { uid key } } "
        "used { "
        f"... on DatasetVersion {{ uid key content_hash versionOf {{ uid {OWNERS} }} {below} }} "
        f"... on Feature {{ uid key {OWNERS} {below} }} "
        f"... on ModelVersion {{ uid key versionOf {{ uid {OWNERS} }} {below} }} "
        "}"
    )


TRACE = f"""
query Trace($uid: ID!, $now: DateTime!) {{
  predictions(where: {{uid: {{eq: $uid}}}}) {{
    uid key time output
    madeByDeployment {{ uid key {OWNERS} }}
    madeByModelVersion {{
      uid key stage versionOf {{ uid {OWNERS} }}
      generatedBy {{ {_run(RUN_LEVELS)} }}
    }}
  }}
}}"""

LOOKUP = """
query Lookup($uid: ID!) {
  predictions(where: {uid: {eq: $uid}}) {
    uid key time output
    madeByDeployment { uid key }
    madeByModelVersion { uid key stage }
  }
}"""

WIDE = """
query Wide($after: String!, $width: Int!) {
  runs(where: {kind: {eq: "Run"}, key: {gt: $after}}, sort: [{key: ASC}], limit: $width) {
    uid key kind recorded_at run_kind status started_at ended_at parameters_json environment_json
  }
}"""

CREATE = """
mutation Create($input: [PredictionCreateInput!]!) {
  createPredictions(input: $input) { info { nodesCreated relationshipsCreated } }
}"""


async def trace(client: GraphQLClient, key: str) -> dict[str, Any]:
    """Q1 as a nested query."""
    now = datetime.now(UTC).isoformat()
    return await client.query(TRACE, {"uid": f"Prediction:{key}", "now": now})


def trace_signature(data: dict[str, Any]) -> tuple[Any, ...]:
    """What W1 compares across ways: runs, dataset versions, features, commits, edges, owners."""
    runs: set[str] = set()
    found: dict[str, set[str]] = {"DatasetVersion": set(), "Feature": set()}
    commits: set[str] = set()
    edges: set[tuple[str, str, str]] = set()
    owners: set[tuple[str, str, str]] = set()

    def owned(anchor: dict[str, Any]) -> None:
        for edge in anchor["ownersConnection"]["edges"]:
            owners.add((edge["node"]["uid"], anchor["uid"], edge["properties"]["role"]))

    def walk(entity: dict[str, Any]) -> None:
        for parent in entity.get("versionOf", []):
            owned(parent)
        if "ownersConnection" in entity:
            owned(entity)
        for run in entity.get("generatedBy", []):
            edges.add(("GENERATED", run["uid"], entity["uid"]))
            runs.add(run["uid"])
            for commit in run["executed"]:
                commits.add(commit["uid"])
                edges.add(("EXECUTED", run["uid"], commit["uid"]))
            for used in run["used"]:
                edges.add(("USED", run["uid"], used["uid"]))
                kind = used["uid"].split(":", 1)[0]
                if kind in found:
                    found[kind].add(used["uid"])
                walk(used)

    (prediction,) = data["predictions"]
    for deployment in prediction["madeByDeployment"]:
        owned(deployment)
    for version in prediction["madeByModelVersion"]:
        walk(version)
    versions, features = sorted(found["DatasetVersion"]), sorted(found["Feature"])
    return (sorted(runs), versions, features, sorted(commits), len(edges), len(owners))


async def lookup(client: GraphQLClient, key: str) -> dict[str, Any]:
    """A prediction with its deployment and model version."""
    return await client.query(LOOKUP, {"uid": f"Prediction:{key}"})


def _create_input(row: list[Any]) -> dict[str, Any]:
    key, micros, output, deployment, version = row
    return {
        "uid": f"Prediction:{key}",
        "key": key,
        "kind": "Prediction",
        "time": datetime.fromtimestamp(micros / 1_000_000, tz=UTC).isoformat(),
        "output": output,
        "deployment": deployment,
        "model_version": version,
    }


async def ingest(client: GraphQLClient, rows: list[list[Any]]) -> None:
    """Create predictions with their deployment and model version keys (one mutation): the
    MADE_BY link is those properties, as the catalog stores it."""
    await client.query(CREATE, {"input": [_create_input(row) for row in rows]})


async def wide(client: GraphQLClient, width: int, after: str) -> list[dict[str, Any]]:
    """`width` runs after a key, 10 fields each."""
    data = await client.query(WIDE, {"after": after, "width": width})
    runs: list[dict[str, Any]] = data["runs"]
    return runs
