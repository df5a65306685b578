"""Identity, roles, the audit trail and restricted data, through the real API and CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from typing import Any

import pyarrow as pa
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.api.graphql.access import MUTATION_ROLES
from lineage_catalog.api.graphql.schema import build_schema
from lineage_catalog.settings import Settings
from tests.governance_helpers import (
    account_token,
    audit_count,
    audit_events,
    error_code,
    post_as,
)
from tests.graphql_client import gql

READ = "query { catalogStats { datasets } }"
WRITE = 'mutation { registerDataset(input: {key: "m-ds"}) { key } }'
APPROVE = (
    'mutation { classify(target: "Dataset:m-ds", classifications: ["PII"], reason: "r") { id } }'
)
ADMIN = 'mutation { issueToken(account: "ServiceAccount:m-bot", name: "x") { tokenId } }'
ROLES = ("reader", "writer", "approver", "admin")
# Which classes of operation each role may run.
ALLOWED = {
    "reader": {"read"},
    "writer": {"read", "write", "openlineage", "bulk"},
    "approver": {"read", "approve"},
    "admin": {"read", "write", "approve", "admin", "openlineage", "bulk"},
}


def _seed_matrix(client: TestClient) -> dict[str, str]:
    gql(client, WRITE)
    gql(client, 'mutation { registerClassification(input: {key: "PII", restricted: true}) { id } }')
    gql(client, 'mutation { registerServiceAccount(input: {key: "m-bot"}) { id } }')
    return {role: account_token(client, f"Person:{role}@m.example", [role]) for role in ROLES}


def _openlineage_event() -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": "https://example.com/tests",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "tests", "name": "matrix"},
        "inputs": [],
        "outputs": [],
    }


def _arrow_features() -> bytes:
    table = pa.table({"key": ["m.feature"], "name": ["F"]})
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _outcome(client: TestClient, token: str | None, operation: str) -> str:
    """'ok', or the error code the operation was refused with."""
    headers = {"Authorization": f"Bearer {token}" if token else ""}
    if operation in ("openlineage", "bulk"):
        if operation == "openlineage":
            response = client.post("/api/v1/lineage", json=_openlineage_event(), headers=headers)
        else:
            response = client.post(
                "/api/v1/load/features", content=_arrow_features(), headers=headers
            )
        if response.status_code in (200, 201):
            return "ok"
        return str(response.json()["code"])
    query = {"read": READ, "write": WRITE, "approve": APPROVE, "admin": ADMIN}[operation]
    return error_code(post_as(client, token, query)) or "ok"


def test_each_role_against_each_class_of_operation(client: TestClient) -> None:
    tokens = _seed_matrix(client)
    operations = ("read", "write", "approve", "admin", "openlineage", "bulk")
    seen = {}
    for role in ROLES:
        for operation in operations:
            seen[(role, operation)] = _outcome(client, tokens[role], operation)
    for operation in operations:
        seen[("no token", operation)] = _outcome(client, None, operation)
        seen[("bad token", operation)] = _outcome(client, "lcat_not-a-token", operation)
    expected = {
        (role, op): ("ok" if op in ALLOWED[role] else "FORBIDDEN")
        for role in ROLES
        for op in operations
    }
    expected |= {
        (who, op): "UNAUTHENTICATED" for who in ("no token", "bad token") for op in operations
    }
    assert seen == expected


def test_a_refusal_does_not_reveal_whether_the_target_exists(client: TestClient) -> None:
    tokens = _seed_matrix(client)
    query = (
        'mutation($t: ID!) { classify(target: $t, classifications: ["PII"], reason: "r") { id } }'
    )
    answers = [
        post_as(client, token, query, t=target)
        for token in (tokens["reader"], None)
        for target in ("Dataset:m-ds", "Dataset:no-such-dataset")
    ]
    assert [error_code(a) for a in answers] == [
        "FORBIDDEN",
        "FORBIDDEN",
        "UNAUTHENTICATED",
        "UNAUTHENTICATED",
    ]
    assert answers[0]["errors"][0]["message"] == answers[1]["errors"][0]["message"]
    assert all(a.get("data") is None for a in answers)


def test_every_mutation_needs_a_role_and_unknown_ones_need_admin() -> None:
    schema = build_schema(Settings())
    mutations = set(schema.as_str().split("type Mutation {", 1)[1].split("}", 1)[0].split())
    names = {m.split("(", 1)[0].rstrip(":") for m in mutations if m[:1].islower() and "(" in m}
    assert names, "no mutation found in the SDL"
    assert names <= set(MUTATION_ROLES), names - set(MUTATION_ROLES)


def test_disabled_accounts_and_revoked_tokens_stop_at_the_next_request(client: TestClient) -> None:
    token = account_token(client, "Person:leaver@m.example", ["reader"])
    other = account_token(client, "Person:leaver@m.example", ["reader"])
    assert error_code(post_as(client, token, READ)) is None
    gql(
        client,
        'mutation { disableAccount(account: "Person:leaver@m.example", reason: "left") { active } }',
    )
    assert error_code(post_as(client, token, READ)) == "UNAUTHENTICATED"
    assert error_code(post_as(client, other, READ)) == "UNAUTHENTICATED"
    gql(
        client,
        'mutation { enableAccount(account: "Person:leaver@m.example", reason: "back") { active } }',
    )
    assert error_code(post_as(client, token, READ)) is None

    account = gql(client, '{ account(id: "Person:leaver@m.example") { tokens { id revokedAt } } }')
    first = account["account"]["tokens"][0]["id"]
    gql(client, 'mutation($t: String!) { revokeToken(tokenId: $t, reason: "lost") }', t=first)
    outcomes = {error_code(post_as(client, t, READ)) for t in (token, other)}
    assert outcomes == {None, "UNAUTHENTICATED"}
    # Only hashes are stored.
    assert token not in str(
        client.post(
            "/graphql",
            json={"query": '{ account(id: "Person:leaver@m.example") { tokens { id name } } }'},
        ).json()
    )


# Every audited mutation of the catalog and governance APIs, with the change it makes.
# (The lifecycle mutations are walked, with their audit events, in test_lifecycle.py.)
MUTATIONS: list[tuple[str, str, str]] = [
    ("registerPerson", 'registerPerson(input: {email: "ada@a.example", name: "Ada"}) { id }', "Person:ada@a.example"),
    ("registerTeam", 'registerTeam(input: {key: "risk"}) { id }', "Team:risk"),
    ("registerServiceAccount", 'registerServiceAccount(input: {key: "ci"}) { id }', "ServiceAccount:ci"),
    ("registerClassification", 'registerClassification(input: {key: "PII", restricted: true}) { id }', "Classification:PII"),
    ("registerJob", 'registerJob(input: {key: "etl"}) { id }', "Job:etl"),
    ("registerDataset", 'registerDataset(input: {key: "raw"}) { id }', "Dataset:raw"),
    ("registerDatasetVersion", 'registerDatasetVersion(input: {dataset: "raw", version: "1"}) { id }', "DatasetVersion:raw@1"),
    ("registerFeature", 'registerFeature(input: {key: "f"}) { id }', "Feature:f"),
    ("registerCodeCommit", 'registerCodeCommit(input: {repo: "r", sha: "abc", author: "ada@a.example"}) { id }', "CodeCommit:r@abc"),
    ("recordRun", 'recordRun(input: {runId: "run1", job: "etl", runKind: TRANSFORMATION, used: ["DatasetVersion:raw@1"]}) { id }', "Run:run1"),
    ("registerModel", 'registerModel(input: {key: "m"}) { id }', "Model:m"),
    ("registerModelVersion", 'registerModelVersion(input: {model: "m", version: "1"}) { id }', "ModelVersion:m@1"),
    ("registerDeployment", 'registerDeployment(input: {name: "api", environment: "prod"}) { id }', "Deployment:prod/api"),
    ("recordServing", 'recordServing(input: {deployment: "prod/api", modelVersion: "m@1", role: CHAMPION, validFrom: "2026-01-01T00:00:00Z", reason: "launch"}) { id }', "ModelVersion:m@1"),
    ("recordPrediction", 'recordPrediction(input: {key: "p1", deployment: "prod/api", modelVersion: "m@1", time: "2026-01-02T00:00:00Z"}) { id }', "Prediction:p1"),
    ("setOwner", 'setOwner(input: {owner: "Person:ada@a.example", target: "Dataset:raw", role: TECHNICAL_OWNER, validFrom: "2026-01-01T00:00:00Z"}, reason: "new owner") { id }', "Dataset:raw"),
    ("classify", 'classify(target: "Dataset:raw", classifications: ["PII"], reason: "has emails") { id }', "Dataset:raw"),
    ("createAccount", 'createAccount(input: {id: "ServiceAccount:ci", roles: [WRITER]}, reason: "ci writes") { id }', "ServiceAccount:ci"),
    ("setAccess", 'setAccess(account: "ServiceAccount:ci", roles: [WRITER, READER], reason: "reads too") { id }', "ServiceAccount:ci"),
    ("issueToken", 'issueToken(account: "ServiceAccount:ci", name: "ci-token") { tokenId }', "ServiceAccount:ci"),
    ("disableAccount", 'disableAccount(account: "ServiceAccount:ci", reason: "rotating") { id }', "ServiceAccount:ci"),
    ("enableAccount", 'enableAccount(account: "ServiceAccount:ci", reason: "rotated") { id }', "ServiceAccount:ci"),
]  # fmt: skip


def test_every_change_writes_exactly_one_audit_event_and_a_repeat_none(
    client: TestClient, clean_graph: Driver
) -> None:
    for name, selection, target in MUTATIONS:
        before = audit_count(clean_graph)
        request_id = f"req-{name}"
        body = post_as(client, _admin(client), "mutation { " + selection + " }", request_id)
        assert "errors" not in body, (name, body)
        events = audit_events(clean_graph, request_id=request_id)
        assert audit_count(clean_graph) == before + 1, name
        (event,) = events
        assert event["target"] == target, name
        assert event["actor"] == "Person:admin@tests.example" and event["actor_kind"] == "person"
        assert event["interface"] == "graphql" and event["time"] is not None
        # The same change again changes nothing and is not audited again.
        if name not in ("issueToken",):
            post_as(client, _admin(client), "mutation { " + selection + " }", request_id + "-again")
            assert audit_count(clean_graph) == before + 1, f"{name} repeated"
    tested = {name for name, _, _ in MUTATIONS} | {"revokeToken"}
    governed = {
        "transitionStage", "requestPromotion", "approvePromotion", "rejectPromotion",
        "promoteToChampion", "rollback", "setModelKpis", "recordEvaluation",
        "deployModelVersion", "updateModelCard", "declassify",
    }  # fmt: skip
    assert set(MUTATION_ROLES) <= tested | governed


def _admin(client: TestClient) -> str:
    header = client.headers["Authorization"]
    return header.removeprefix("Bearer ")


def test_a_change_that_fails_leaves_no_audit_event(client: TestClient, clean_graph: Driver) -> None:
    before = audit_count(clean_graph)
    refused = [
        'registerDatasetVersion(input: {dataset: "nope", version: "1"}) { id }',
        'recordRun(input: {runId: "r", job: "no-job", runKind: TRAINING}) { id }',
        'classify(target: "Dataset:nope", classifications: ["PII"], reason: "x") { id }',
        'setOwner(input: {owner: "Person:x@y.example", target: "Dataset:nope", role: STEWARD}, reason: "x") { id }',
        'classify(target: "Dataset:nope", classifications: ["PII"], reason: "  ") { id }',
        'createAccount(input: {id: "Dataset:x", roles: [ADMIN]}, reason: "x") { id }',
    ]  # fmt: skip
    for selection in refused:
        body = post_as(client, _admin(client), "mutation { " + selection + " }")
        assert error_code(body) in ("BAD_USER_INPUT", "NOT_FOUND"), (selection, body)
    assert audit_count(clean_graph) == before


def test_governance_changes_need_a_reason(client: TestClient, clean_graph: Driver) -> None:
    gql(client, 'mutation { registerDataset(input: {key: "raw"}) { id } }')
    gql(client, 'mutation { registerClassification(input: {key: "PII"}) { id } }')
    before = audit_count(clean_graph)
    body = post_as(client, _admin(client),
                   'mutation { classify(target: "Dataset:raw", classifications: ["PII"], reason: "") { id } }')  # fmt: skip
    assert error_code(body) == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "reason"
    assert audit_count(clean_graph) == before


def test_openlineage_and_bulk_loads_are_audited_in_their_transactions(
    client: TestClient, clean_graph: Driver
) -> None:
    response = client.post(
        "/api/v1/lineage", json=_openlineage_event(), headers={"X-Request-ID": "ol-1"}
    )
    assert response.status_code == 201
    (event,) = audit_events(clean_graph, request_id="ol-1")
    assert (event["action"], event["interface"]) == ("openlineage.run_event", "openlineage")
    response = client.post("/api/v1/load/features", content=_arrow_features(),
                           headers={"X-Request-ID": "bulk-1"}, params={"reason": "backfill"})  # fmt: skip
    assert response.status_code == 200
    (event,) = audit_events(clean_graph, request_id="bulk-1")
    assert (event["action"], event["interface"], event["reason"]) == (
        "bulk.features",
        "bulk",
        "backfill",
    )
    # A malformed event writes nothing, audit included.
    before = audit_count(clean_graph)
    assert client.post("/api/v1/lineage", json={"eventType": "START"}).status_code == 400
    assert audit_count(clean_graph) == before


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LINEAGE_NEO4J_URI": settings.neo4j_uri}
    return subprocess.run(
        [sys.executable, "-m", "lineage_catalog.cli", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_audit_verify_names_the_event_that_was_edited_or_removed(
    client: TestClient, clean_graph: Driver, settings: Settings
) -> None:
    for key in ("a", "b", "c"):
        gql(client, "mutation($k: String!) { registerDataset(input: {key: $k}) { id } }", k=key)
    ok = _cli(settings, "audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout, ok.stdout + ok.stderr
    (victim,) = audit_events(clean_graph, target="Dataset:b")
    seq = victim["seq"]

    clean_graph.execute_query(
        "MATCH (a:AuditEvent {seq: $s}) SET a.reason = 'nothing to see'", s=seq
    )
    broken = _cli(settings, "audit", "verify")
    assert broken.returncode == 1
    assert f"BROKEN at event {seq} " in broken.stdout and "edited" in broken.stdout
    clean_graph.execute_query(
        "MATCH (a:AuditEvent {seq: $s}) SET a.reason = $r", s=seq, r=victim.get("reason")
    )
    assert _cli(settings, "audit", "verify").returncode == 0

    clean_graph.execute_query("MATCH (a:AuditEvent {seq: $s}) DELETE a", s=seq)
    removed = _cli(settings, "audit", "verify")
    assert removed.returncode == 1 and f"event {seq} is missing" in removed.stdout
    clean_graph.execute_query("CREATE (a:AuditEvent) SET a = $p", p=victim)
    assert _cli(settings, "audit", "verify").returncode == 0


def test_audit_trail_by_target_actor_action_and_time_with_paging(
    client: TestClient, clean_graph: Driver
) -> None:
    writer = account_token(client, "ServiceAccount:airflow", ["writer"])
    for i in range(5):
        post_as(
            client,
            writer,
            "mutation($k: String!) { registerDataset(input: {key: $k}) { id } }",
            k=f"t{i}",
        )
    gql(client, 'mutation { registerDataset(input: {key: "t0", name: "renamed"}) { id } }')
    query = """query($target: [ID!], $actor: String, $action: String, $after: String) {
      auditTrail(target: $target, actor: $actor, action: $action, first: 2, after: $after) {
        edges { node { seq actor actorKind action target before after time } }
        pageInfo { hasNextPage endCursor } } }"""
    by_target = gql(client, query, target=["Dataset:t0"])["auditTrail"]["edges"]
    assert [e["node"]["actor"] for e in by_target] == [
        "Person:admin@tests.example",
        "ServiceAccount:airflow",
    ]
    newest = by_target[0]["node"]
    assert "name" not in newest["before"]
    assert newest["after"]["name"] == "renamed" and newest["actorKind"] == "person"
    assert by_target[1]["node"]["actorKind"] == "agent" and by_target[1]["node"]["before"] is None

    seqs, after = [], None
    while True:
        page = gql(client, query, actor="ServiceAccount:airflow", action="register.", after=after)[
            "auditTrail"
        ]
        seqs += [e["node"]["seq"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seqs) == 5 and seqs == sorted(seqs, reverse=True)
    late = gql(client, "query($s: DateTime) { auditTrail(since: $s, target: [\"Dataset:t0\"]) { edges { node { action } } } }",
               s=newest["time"])["auditTrail"]["edges"]  # fmt: skip
    assert len(late) == 1


def test_restricted_fields_need_a_clearance_and_every_read_is_logged(
    client: TestClient, clean_graph: Driver
) -> None:
    gql(client, 'mutation { registerClassification(input: {key: "PII", restricted: true}) { id } }')
    gql(client, 'mutation { registerDataset(input: {key: "people"}) { id } }')
    gql(
        client,
        """mutation { registerDatasetVersion(input: {dataset: "people", version: "1",
        schema: [{name: "email", type: "string"}], sample: [{email: "a@b.example"}]}) { id } }""",
    )
    query = '{ datasetVersion(key: "people@1") { key schema { name } sample } }'
    reader = account_token(client, "Person:reader@r.example", ["reader"])
    cleared = account_token(client, "Person:dpo@r.example", ["reader"], ["PII"])
    # Not classified yet: anyone with the reader role sees it.
    assert post_as(client, reader, query)["data"]["datasetVersion"]["schema"] == [{"name": "email"}]
    gql(
        client,
        'mutation { classify(target: "Dataset:people", classifications: ["PII"], reason: "emails") { id } }',
    )
    hidden = post_as(client, reader, query)["data"]["datasetVersion"]
    shown = post_as(client, cleared, query)["data"]["datasetVersion"]
    assert (hidden["schema"], hidden["sample"]) == (None, None)
    assert shown["schema"] == [{"name": "email"}] and shown["sample"] == [{"email": "a@b.example"}]
    log = gql(client, '{ accessLog(target: "DatasetVersion:people@1") { actor field granted } }')[
        "accessLog"
    ]
    assert sorted((r["actor"], r["field"], r["granted"]) for r in log) == [
        ("Person:dpo@r.example", "sample", True), ("Person:dpo@r.example", "schema", True),
        ("Person:reader@r.example", "sample", False), ("Person:reader@r.example", "schema", False),
    ]  # fmt: skip
    assert error_code(post_as(client, reader, "{ accessLog { field } }")) == "FORBIDDEN"


def test_the_cli_bootstraps_an_admin_whose_token_works(
    client: TestClient, clean_graph: Driver, settings: Settings
) -> None:
    made = _cli(
        settings,
        "--actor",
        "Person:ops@host.example",
        "admin",
        "bootstrap",
        "--email",
        "root@host.example",
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("lcat_") and len(token.splitlines()) == 1
    assert error_code(post_as(client, token, ADMIN.replace("m-bot", "nobody"))) == "NOT_FOUND"
    events = audit_events(
        clean_graph, target="Person:root@host.example", actor="Person:ops@host.example"
    )
    assert [(e["action"], e["interface"]) for e in events][-2:] == [
        ("account.create", "cli"), ("token.issue", "cli")
    ]  # fmt: skip
