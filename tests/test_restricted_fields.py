"""Restricted data never leaks: every path the schema offers to a restricted value is
walked with a reader who lacks the clearance and one who holds it (issue 17).

The walk is built from the live schema, so a field added later that can reach a dataset
version or an audit event is walked too (and fails here until its arguments are known).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)
from graphql.pyutils import Undefined

from lineage_catalog.api.graphql.access import QUERY_ROLES
from lineage_catalog.auth.policy import RESTRICTED_PROPS
from tests.governance_helpers import account_token, error_code, post_as
from tests.graphql_client import gql, post

CANARY_SCHEMA = "canary_schema_field_7f3a"
CANARY_SAMPLE = "canary-sample-value-7f3a"
CANARIES = (CANARY_SCHEMA, CANARY_SAMPLE)
DV = "DatasetVersion:leak-ds@1"
MV = "ModelVersion:leak-m@1"
OWNER = "Person:leak-owner@acme.example"

SEED = [
    'mutation { registerPerson(input: {email: "leak-owner@acme.example"}) { key } }',
    'mutation { registerClassification(input: {key: "PII", restricted: true}) { key } }',
    'mutation { registerDataset(input: {key: "leak-ds", name: "leak data"}) { key } }',
    f"""mutation {{ registerDatasetVersion(input: {{dataset: "leak-ds", version: "1",
        schema: [{{name: "{CANARY_SCHEMA}", type: "string"}}],
        sample: [{{ssn: "{CANARY_SAMPLE}"}}]}}) {{ key }} }}""",
    f'mutation {{ classify(target: "{DV}", classifications: ["PII"], reason: "r") {{ id }} }}',
    'mutation { classify(target: "Dataset:leak-ds", classifications: ["PII"], reason: "r") '
    "{ id } }",
    'mutation { registerJob(input: {key: "leak-job"}) { key } }',
    'mutation { registerModel(input: {key: "leak-m"}) { key } }',
    'mutation { registerModelVersion(input: {model: "leak-m", version: "1"}) { key } }',
    f"""mutation {{ recordRun(input: {{runId: "leak-run", job: "leak-job", runKind: TRAINING,
        used: ["{DV}"], generated: ["{MV}"]}}) {{ key }} }}""",
    # A second version, derived from the first, under the dataset's PII classification.
    f"""mutation {{ registerDatasetVersion(input: {{dataset: "leak-ds", version: "2",
        schema: [{{name: "{CANARY_SCHEMA}", type: "string"}}],
        sample: [{{ssn: "{CANARY_SAMPLE}"}}]}}) {{ key }} }}""",
    f"""mutation {{ recordRun(input: {{runId: "leak-etl", job: "leak-job",
        runKind: TRANSFORMATION, used: ["{DV}"],
        generated: ["DatasetVersion:leak-ds@2"]}}) {{ key }} }}""",
    'mutation { registerDeployment(input: {name: "leak", environment: "prod"}) { key } }',
    """mutation { recordPrediction(input: {key: "leak-p", deployment: "prod/leak",
        modelVersion: "leak-m@1", time: "2026-04-01T00:00:00Z"}) { key } }""",
    f"""mutation {{ recordEvaluation(input: {{key: "leak-eval", modelVersion: "leak-m@1",
        metrics: {{auc: 0.9}}, datasetVersions: ["{DV}"]}}) {{ key }} }}""",
    f"""mutation {{ setOwner(input: {{owner: "{OWNER}", target: "{DV}", role: STEWARD}},
        reason: "r") {{ id }} }}""",
    # A monitor on the PII version and an incident about it: their targets are paths too.
    f"""mutation {{ registerMonitor(input: {{key: "leak-nulls", target: "{DV}",
        type: DATA_QUALITY, metric: "null_rate", threshold: 0.1}}) {{ key }} }}""",
    f"""mutation {{ openIncident(input: {{targets: ["{DV}"], title: "leak", reason: "r",
        key: "leak-incident"}}) {{ key }} }}""",
]

# Values for required arguments, by field then by argument name.
ARGS: dict[str, str] = {
    "key": '"leak-ds@1"',
    "id": f'"{DV}"',
    "email": '"leak-owner@acme.example"',
    "owner": f'"{OWNER}"',
    "datasetVersion": '"leak-ds@1"',
    "modelVersion": '"leak-m@1"',
    "model": '"leak-m"',
    "kind": "DATASET_VERSION",
    "direction": "UPSTREAM",
    "target": f'"{DV}"',
}
FIELD_ARGS: dict[tuple[str, str], dict[str, str]] = {
    ("Query", "dataset"): {"key": '"leak-ds"'},
    ("Query", "run"): {"key": '"leak-etl"'},
    ("Query", "model"): {"key": '"leak-m"'},
    ("Query", "modelVersion"): {"key": '"leak-m@1"'},
    ("Query", "job"): {"key": '"leak-job"'},
    ("Query", "deployment"): {"key": '"prod/leak"'},
    ("Query", "prediction"): {"key": '"leak-p"'},
    # A depth the seed needs, not the default 20: the walk's queries nest deep, and each
    # level of a traversal is priced at 100 items (docs/security.md, "Cost").
    ("Query", "predictionTrace"): {"key": '"leak-p"', "depth": "3"},
    ("Query", "evaluation"): {"key": '"leak-eval"'},
    ("Query", "lineage"): {"id": f'"{MV}"', "direction": "BOTH"},
    ("Query", "classificationsUpstream"): {"id": f'"{MV}"', "depth": "3"},
    ("Query", "impact"): {"datasetVersion": '"leak-ds@1"', "depth": "3"},
    ("Query", "exploreNeighbours"): {"id": f'"{MV}"', "direction": "UPSTREAM"},
    ("Query", "search"): {"text": '"leak"'},
    ("Query", "auditTrail"): {"target": f'["{DV}"]'},
    # Column lineage names columns, which are the restricted schema's.
    ("Query", "columnLineage"): {"dataset": f'"{DV}"', "column": f'"{CANARY_SCHEMA}"'},
    ("Query", "columnClassifications"): {"dataset": f'"{DV}"', "column": f'"{CANARY_SCHEMA}"'},
}
# (type, field) edges into a restricted value that the seed graph cannot reach, and why.
UNREACHED: dict[tuple[str, str], str] = {
    ("ComplianceReport", "auditTrail"): "a report's trail is the model version's own events, "
    "which hold no restricted property",
    ("Incident", "fixedBy"): "a fix is a ModelVersion or a Deployment (transitionIncident "
    "refuses anything else), never a DatasetVersion",
    ("IncidentFlag", "node"): "an incident flags the model versions and deployments "
    "downstream of what it is about, never a DatasetVersion",
}


@dataclass(frozen=True)
class Walk:
    root: str
    edge: tuple[str, str]  # the (type, field) that returns the restricted holder
    query: str


def _objects(schema: GraphQLSchema, t: GraphQLNamedType) -> list[GraphQLObjectType]:
    if isinstance(t, GraphQLObjectType):
        return [t]
    if isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
        return list(schema.get_possible_types(t))
    return []


def _args(owner: str, name: str, field: GraphQLField) -> str:
    given = FIELD_ARGS.get((owner, name), {})
    parts = []
    for arg_name, arg in field.args.items():
        if arg_name in given:
            parts.append(f"{arg_name}: {given[arg_name]}")
        elif isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined:
            # A new required argument: give it a value above, so its path is walked.
            assert arg_name in ARGS, f"no test value for {owner}.{name}({arg_name})"
            parts.append(f"{arg_name}: {ARGS[arg_name]}")
    return f"({', '.join(parts)})" if parts else ""


def _holders(schema: GraphQLSchema) -> dict[str, str]:
    """What to select on each type that holds restricted values: the restricted properties
    of each kind (auth/policy.RESTRICTED_PROPS), and audit documents, which hold them all."""
    holders = {"AuditEvent": "target before after"}
    for kind, props in RESTRICTED_PROPS.items():
        fields = schema.get_type(kind.value).fields  # type: ignore[union-attr]
        parts = []
        for prop in sorted(props):
            named = get_named_type(fields[prop].type)
            sub = next(iter(named.fields)) if isinstance(named, GraphQLObjectType) else None
            parts.append(f"{prop} {{ {sub} }}" if sub else prop)
        holders[kind.value] = " ".join(parts)
    return holders


def _walks(schema: GraphQLSchema) -> Iterator[Walk]:
    """For each root query field a reader may call, the shortest path from it to each
    (type, field) that returns a holder of restricted values."""
    holders = _holders(schema)
    query_type = schema.query_type
    assert query_type is not None
    for root, root_field in query_type.fields.items():
        if root in QUERY_ROLES or root.startswith("__"):
            continue
        start = get_named_type(root_field.type)
        # BFS over object types; each step is (selection prefix, closing text).
        seen: dict[str, tuple[str, str]] = {}
        queue: deque[tuple[GraphQLObjectType, str, str]] = deque()
        head = f"{root}{_args('Query', root, root_field)}"
        for obj in _objects(schema, start):
            opening = f"{{ {head} {{ ... on {obj.name} {{ "
            queue.append((obj, opening, " } } }"))
        done: set[tuple[str, str]] = set()
        while queue:
            obj, opening, closing = queue.popleft()
            if obj.name in seen:
                continue
            seen[obj.name] = (opening, closing)
            for name, field in obj.fields.items():
                target = get_named_type(field.type)
                selection = f"{name}{_args(obj.name, name, field)}"
                for holder in _objects(schema, target):
                    if holder.name in holders and (obj.name, name) not in done:
                        done.add((obj.name, name))
                        leaf = (
                            f"{selection} {{ ... on {holder.name} {{ {holders[holder.name]} }} }}"
                        )
                        yield Walk(root, (obj.name, name), opening + leaf + closing)
                    if holder.name not in seen:
                        queue.append(
                            (holder, f"{opening}{selection} {{ ... on {holder.name} {{ ",
                             f" }} }}{closing}")
                        )  # fmt: skip


@pytest.fixture
def readers(client: TestClient) -> tuple[str, str]:
    for mutation in SEED:
        gql(client, mutation)
    uncleared = account_token(client, "Person:leak-reader@acme.example", ["reader"])
    cleared = account_token(client, "Person:leak-cleared@acme.example", ["reader"], ["PII"])
    return uncleared, cleared


def test_every_path_to_a_restricted_value_is_guarded(
    client: TestClient, readers: tuple[str, str]
) -> None:
    uncleared, cleared = readers
    schema = client.app.state.schema._schema  # type: ignore[attr-defined]
    walks = list(_walks(schema))
    edges = {w.edge for w in walks}
    assert len(walks) > 50 and ("AuditEventEdge", "node") in edges, len(walks)
    reached: set[tuple[str, str]] = set()
    for walk in walks:
        hidden = post_as(client, uncleared, walk.query)
        assert "errors" not in hidden, (walk, hidden["errors"])
        text = json.dumps(hidden)
        assert not any(c in text for c in CANARIES), f"leak through {walk.root}: {walk.query}"
        shown = post_as(client, cleared, walk.query)
        assert "errors" not in shown, (walk, shown["errors"])
        if all(c in json.dumps(shown) for c in CANARIES):
            reached.add(walk.edge)
    # Each edge is proven by at least one walk that a cleared reader sees through.
    assert edges - reached == set(UNREACHED), sorted(edges - reached)


def test_the_audit_trail_redacts_restricted_documents(
    client: TestClient, readers: tuple[str, str]
) -> None:
    uncleared, cleared = readers
    query = f"""{{ auditTrail(target: ["{DV}"], action: "register.") {{ edges {{ node {{
        action before after }} }} }} }}"""
    # The audit trail outlives each test's clean graph: the newest event is this test's.
    hidden = post_as(client, uncleared, query, request_id="req-audit-hidden")
    event = hidden["data"]["auditTrail"]["edges"][0]["node"]
    assert event["after"]["schema"] is None and event["after"]["sample"] is None
    assert event["after"]["redacted"] == ["sample", "schema"]
    assert event["after"]["version"] == "1"  # the rest of the document is there
    shown = post_as(client, cleared, query)
    event = shown["data"]["auditTrail"]["edges"][0]["node"]
    assert event["after"]["sample"] == [{"ssn": CANARY_SAMPLE}]
    assert "redacted" not in event["after"]
    # Both reads are in the access log, with actor, target, field and request id.
    log = gql(client, f'{{ accessLog(target: "{DV}") {{ actor field granted requestId }} }}')
    reads = {(r["actor"], r["field"], r["granted"], r["requestId"]) for r in log["accessLog"]}
    assert ("Person:leak-reader@acme.example", "audit.after.sample", False,
            "req-audit-hidden") in reads  # fmt: skip
    assert any(
        actor == "Person:leak-cleared@acme.example" and field == "audit.after.schema" and granted
        for actor, field, granted, _ in reads
    ), reads


def test_the_audit_chain_still_verifies_over_redacted_reads(
    client: TestClient, readers: tuple[str, str]
) -> None:
    uncleared, _ = readers
    body = post_as(client, uncleared, "{ auditTrail(first: 5) { edges { node { hash } } } }")
    assert "errors" not in body


SET = """mutation($r: Boolean!, $why: String!) {
  setClassificationRestricted(key: "PII", restricted: $r, reason: $why) { key restricted } }"""


def test_lifting_a_restriction_is_an_admins_governed_change(
    client: TestClient, readers: tuple[str, str]
) -> None:
    approver = account_token(client, "Person:leak-approver@acme.example", ["approver"])
    # registerClassification can no longer flip it, not even for an approver.
    body = post_as(
        client, approver,
        'mutation { registerClassification(input: {key: "PII", restricted: false}) { key } }',
    )  # fmt: skip
    assert error_code(body) == "BAD_USER_INPUT", body
    assert "setClassificationRestricted" in body["errors"][0]["message"]
    # Renaming it, with the same restriction, is still the approver's.
    body = post_as(
        client, approver,
        'mutation { registerClassification(input: {key: "PII", name: "Personal data", '
        "restricted: true}) { key } }",
    )  # fmt: skip
    assert "errors" not in body, body
    # The governed change: admin only, with a reason.
    assert error_code(post_as(client, approver, SET, r=False, why="x")) == "FORBIDDEN"
    assert error_code(post(client, SET, r=False, why="  ")) == "BAD_USER_INPUT"
    lifted = gql(client, SET, r=False, why="data set anonymised, DPO ticket 42")
    assert lifted["setClassificationRestricted"] == {"key": "PII", "restricted": False}
    trail = gql(
        client,
        """{ auditTrail(target: ["Classification:PII"],
        action: "classification.") { edges { node { action before after reason } } } }""",
    )
    event = trail["auditTrail"]["edges"][0]["node"]
    assert event == {"action": "classification.restricted", "before": {"restricted": True},
                     "after": {"restricted": False},
                     "reason": "data set anonymised, DPO ticket 42"}  # fmt: skip
    # Visible through the API, and it takes effect at once.
    uncleared, _ = readers
    seen = post_as(client, uncleared, f'{{ node(id: "{DV}") {{ ... on DatasetVersion '
                   "{ sample } } }")  # fmt: skip
    assert seen["data"]["node"]["sample"] == [{"ssn": CANARY_SAMPLE}]
    # The same value again changes nothing and writes no event.
    newest = trail["auditTrail"]["edges"][0]["node"]
    gql(client, SET, r=False, why="again")
    again = gql(
        client,
        """{ auditTrail(target: ["Classification:PII"],
        action: "classification.") { edges { node { action before after reason } } } }""",
    )
    assert again["auditTrail"]["edges"][0]["node"] == newest
