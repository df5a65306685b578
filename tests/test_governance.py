"""Identity, roles, the audit trail and restricted data, through the real API and CLI."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from graphql import OperationType
from neo4j import Driver

from lineage_catalog.api.graphql.access import MUTATION_ROLES, required_role
from lineage_catalog.app import create_app
from lineage_catalog.auth.tokens import hash_token
from lineage_catalog.domain.auth import Role
from lineage_catalog.services.audit import ChainReport, verify_chain
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph, open_driver
from tests.factories import make_champion
from tests.governance_helpers import (
    account_token,
    audit_count,
    audit_events,
    bulk_load,
    error_code,
    graph_snapshot,
    post_as,
    root_fields,
)
from tests.graphql_client import gql, post

READ = "query { catalogStats { datasets } }"
WRITE = 'mutation { registerDataset(input: {key: "m-ds"}) { key } }'
APPROVE = (
    'mutation { classify(target: "Dataset:m-ds", classifications: ["PII"], reason: "r") { id } }'
)
ADMIN = 'mutation { issueToken(account: "ServiceAccount:m-bot", name: "x") { tokenId } }'
REPORT = '{ complianceReport(modelVersion: "m-model@1") { modelVersion { key } } }'
RESTRICTED = '{ datasetVersion(key: "m-ds@1") { schema { name } } }'
ROLES = ("reader", "writer", "approver", "admin")
CLEARED = "reader with PII"
# Which classes of operation each caller may run. Reading a restricted field needs a
# clearance, which no role implies (a caller without it sees null: "HIDDEN").
ALLOWED = {
    "reader": {"read", "report"},
    "writer": {"read", "report", "write", "openlineage", "bulk"},
    "approver": {"read", "report", "approve"},
    "admin": {"read", "report", "write", "approve", "admin", "openlineage", "bulk"},
    CLEARED: {"read", "report", "restricted"},
}


def _seed_matrix(client: TestClient) -> dict[str, str]:
    gql(client, WRITE)
    gql(client, 'mutation { registerClassification(input: {key: "PII", restricted: true}) { id } }')
    gql(client, 'mutation { registerServiceAccount(input: {key: "m-bot"}) { id } }')
    gql(
        client,
        """mutation { registerDatasetVersion(input: {dataset: "m-ds", version: "1",
        schema: [{name: "email"}]}) { id }
        registerModel(input: {key: "m-model"}) { id }
        registerModelVersion(input: {model: "m-model", version: "1"}) { id } }""",
    )
    gql(client, APPROVE)
    tokens = {role: account_token(client, f"Person:{role}@m.example", [role]) for role in ROLES}
    tokens[CLEARED] = account_token(client, "Person:dpo@m.example", ["reader"], ["PII"])
    return tokens


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
    query = {"read": READ, "write": WRITE, "approve": APPROVE, "admin": ADMIN,
             "report": REPORT, "restricted": RESTRICTED}[operation]  # fmt: skip
    body = post_as(client, token, query)
    if error_code(body):
        return str(error_code(body))
    if operation == "report":
        assert body["data"]["complianceReport"] == {"modelVersion": {"key": "m-model@1"}}, body
    if operation == "restricted":
        return "ok" if body["data"]["datasetVersion"]["schema"] == [{"name": "email"}] else "HIDDEN"
    return "ok"


def test_each_role_against_each_class_of_operation(client: TestClient) -> None:
    tokens = _seed_matrix(client)
    operations = ("read", "report", "restricted", "write", "approve", "admin", "openlineage",
                  "bulk")  # fmt: skip
    seen = {}
    for role in ALLOWED:
        for operation in operations:
            seen[(role, operation)] = _outcome(client, tokens[role], operation)
    for operation in operations:
        seen[("no token", operation)] = _outcome(client, None, operation)
        seen[("bad token", operation)] = _outcome(client, "lcat_not-a-token", operation)
    refused = {"restricted": "HIDDEN"}
    expected = {
        (role, op): ("ok" if op in ALLOWED[role] else refused.get(op, "FORBIDDEN"))
        for role in ALLOWED
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


def _mutation_fields(client: TestClient) -> dict[str, dict[str, Any]]:
    """The Mutation root's fields as the running server introspects them, by name."""
    query = """{ __schema { mutationType { fields { name
      type { name kind ofType { name kind ofType { name kind ofType { name } } } } } } } }"""
    fields = gql(client, query)["__schema"]["mutationType"]["fields"]
    return {f["name"]: f for f in fields}


def test_every_mutation_needs_a_role_and_unknown_ones_need_admin(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = set(_mutation_fields(client))
    assert names, "no mutation found in the schema"
    # The table names every mutation and nothing else (no stale entries).
    assert names == set(MUTATION_ROLES), names ^ set(MUTATION_ROLES)
    assert required_role(OperationType.MUTATION, "notInTheTable") is Role.ADMIN
    # A mutation missing from the table needs admin on the running server (fail closed).
    writer = account_token(client, "ServiceAccount:unlisted-bot", ["writer"])
    assert error_code(post_as(client, writer, WRITE)) is None
    monkeypatch.delitem(MUTATION_ROLES, "registerDataset")
    assert error_code(post_as(client, writer, WRITE)) == "FORBIDDEN"
    assert error_code(post_as(client, _admin(client), WRITE)) is None


def test_disabled_accounts_and_revoked_tokens_stop_at_the_next_request(
    client: TestClient, driver: Driver
) -> None:
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
    # Only hashes are stored: no property of any node or relationship holds a token.
    for secret in (token, other):
        for pattern in ("MATCH (n)", "MATCH ()-[n]->()"):
            records, _, _ = driver.execute_query(
                pattern + " WHERE any(k IN keys(n) WHERE n[k] = $t"
                " OR (n[k] IS :: STRING AND n[k] CONTAINS $s)"
                " OR (n[k] IS :: LIST<STRING> AND any(x IN n[k] WHERE x CONTAINS $s)))"
                " RETURN count(n) AS n",
                t=secret, s=secret.removeprefix("lcat_"),
            )  # fmt: skip
            assert records[0]["n"] == 0, pattern
        records, _, _ = driver.execute_query(
            "MATCH (t:ApiToken {hash: $h})-[:TOKEN_OF]->(a {uid: 'Person:leaver@m.example'}) "
            "RETURN t.hash AS hash",
            h=hash_token(secret),
        )
        assert [r["hash"] for r in records] == [hash_token(secret)]
        assert hash_token(secret) != secret


# Every audited mutation of the catalog and governance APIs, with the change it makes.
# (The lifecycle mutations are walked, with their audit events, in test_lifecycle.py.)
MUTATIONS: list[tuple[str, str, str]] = [
    ("registerPerson", 'registerPerson(input: {email: "ada@a.example", name: "Ada"}) { id }', "Person:ada@a.example"),
    ("registerTeam", 'registerTeam(input: {key: "risk"}) { id }', "Team:risk"),
    ("registerServiceAccount", 'registerServiceAccount(input: {key: "ci"}) { id }', "ServiceAccount:ci"),
    ("registerClassification", 'registerClassification(input: {key: "PII", restricted: true}) { id }', "Classification:PII"),
    ("registerJob", 'registerJob(input: {key: "etl"}) { id }', "Job:etl"),
    ("registerDataset", 'registerDataset(input: {key: "raw"}) { id }', "Dataset:raw"),
    ("registerDatasetVersion", 'registerDatasetVersion(input: {dataset: "raw", version: "1", schema: [{name: "email"}]}) { id }', "DatasetVersion:raw@1"),
    ("registerFeature", 'registerFeature(input: {key: "f"}) { id }', "Feature:f"),
    ("registerCodeCommit", 'registerCodeCommit(input: {repo: "r", sha: "abc", author: "ada@a.example"}) { id }', "CodeCommit:r@abc"),
    ("recordRun", 'recordRun(input: {runId: "run1", job: "etl", runKind: TRANSFORMATION, used: ["DatasetVersion:raw@1"]}) { id }', "Run:run1"),
    ("registerModel", 'registerModel(input: {key: "m"}) { id }', "Model:m"),
    ("registerModelVersion", 'registerModelVersion(input: {model: "m", version: "1"}) { id }', "ModelVersion:m@1"),
    ("registerDeployment", 'registerDeployment(input: {name: "api", environment: "prod"}) { id }', "Deployment:prod/api"),
    ("recordServing", 'recordServing(input: {deployment: "prod/api", modelVersion: "m@1", role: CHALLENGER, trafficShare: 0.1, validFrom: "2026-01-01T00:00:00Z", reason: "launch"}) { id }', "ModelVersion:m@1"),
    ("recordPrediction", 'recordPrediction(input: {key: "p1", deployment: "prod/api", modelVersion: "m@1", time: "2026-01-02T00:00:00Z"}) { id }', "Prediction:p1"),
    ("setOwner", 'setOwner(input: {owner: "Person:ada@a.example", target: "Dataset:raw", role: TECHNICAL_OWNER, validFrom: "2026-01-01T00:00:00Z"}, reason: "new owner") { id }', "Dataset:raw"),
    ("classify", 'classify(target: "Dataset:raw", classifications: ["PII"], reason: "has emails") { id }', "Dataset:raw"),
    ("setClassificationRestricted", 'setClassificationRestricted(key: "PII", restricted: false, reason: "anonymised") { id }', "Classification:PII"),
    ("classifyColumn", 'classifyColumn(target: "DatasetVersion:raw@1", column: "email", classifications: ["PII"], reason: "an e-mail") { id }', "DatasetVersion:raw@1"),
    ("createAccount", 'createAccount(input: {id: "ServiceAccount:ci", roles: [WRITER]}, reason: "ci writes") { id }', "ServiceAccount:ci"),
    ("setAccess", 'setAccess(account: "ServiceAccount:ci", roles: [WRITER, READER], reason: "reads too") { id }', "ServiceAccount:ci"),
    ("issueToken", 'issueToken(account: "ServiceAccount:ci", name: "ci-token") { tokenId }', "ServiceAccount:ci"),
    ("revokeToken", 'revokeToken(tokenId: "ISSUED_TOKEN_ID", reason: "leaked") ', "ServiceAccount:ci"),
    ("disableAccount", 'disableAccount(account: "ServiceAccount:ci", reason: "rotating") { id }', "ServiceAccount:ci"),
    ("enableAccount", 'enableAccount(account: "ServiceAccount:ci", reason: "rotated") { id }', "ServiceAccount:ci"),
]  # fmt: skip


# Walked, with their audit events, in test_lifecycle.py.
LIFECYCLE_MUTATIONS = {
    "transitionStage", "requestPromotion", "approvePromotion", "rejectPromotion",
    "promoteToChampion", "rollback", "setModelKpis", "recordEvaluation",
    "deployModelVersion", "updateModelCard",
    # Monitoring: a breach writes the observation's event and its incident's, a transition
    # is refused when repeated; tests/test_monitoring.py checks each one's audit.
    "registerMonitor", "recordObservation", "recordProfile", "openIncident",
    "transitionIncident",
}  # fmt: skip


def test_every_change_writes_exactly_one_audit_event_and_a_repeat_none(
    client: TestClient, clean_graph: Driver
) -> None:
    sent: set[str] = set()
    issued = ""
    for name, selection, target in MUTATIONS:
        query = "mutation { " + selection.replace("ISSUED_TOKEN_ID", issued) + " }"
        sent |= root_fields(query)
        before = audit_count(clean_graph)
        request_id = f"req-{name}"
        body = post_as(client, _admin(client), query, request_id)
        assert "errors" not in body, (name, body)
        events = audit_events(clean_graph, request_id=request_id)
        assert audit_count(clean_graph) == before + 1, name
        (event,) = events
        assert event["target"] == target, name
        assert event["actor"] == "Person:admin@tests.example" and event["actor_kind"] == "person"
        assert event["interface"] == "graphql" and event["time"] is not None
        if name == "issueToken":
            issued = body["data"]["issueToken"]["tokenId"]
            continue  # each issue is a new token
        if name == "revokeToken":
            assert event["action"] == "token.revoke" and event["reason"] == "leaked"
            assert event["before"] == f'{{"token":"{issued}"}}'
        # The same change again changes nothing and is not audited again.
        post_as(client, _admin(client), query, request_id + "-again")
        assert audit_count(clean_graph) == before + 1, f"{name} repeated"
    mutations = set(_mutation_fields(client))
    assert mutations >= LIFECYCLE_MUTATIONS, LIFECYCLE_MUTATIONS - mutations
    assert sent.isdisjoint(LIFECYCLE_MUTATIONS)
    assert mutations == sent | LIFECYCLE_MUTATIONS, mutations ^ (sent | LIFECYCLE_MUTATIONS)


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


# Each governance change with its reason as $reason; TARGET stands for what _arrange made.
REASONED: dict[str, tuple[str, str]] = {
    "transitionStage": ('transitionStage(modelVersion: "m@1", stage: STAGING, reason: $reason) { stage }', "reason"),
    "setModelKpis": ('setModelKpis(model: "m", kpis: [{metric: "auc", threshold: 0.85}], reason: $reason) { metric }', "reason"),
    "requestPromotion": ('requestPromotion(modelVersion: "m@1", reason: $reason) { key }', "reason"),
    "approvePromotion": ('approvePromotion(approval: "TARGET", reason: $reason) { status }', "reason"),
    "rejectPromotion": ('rejectPromotion(approval: "TARGET", reason: $reason) { status }', "reason"),
    "deployModelVersion": ('deployModelVersion(input: {deployment: "prod/api", modelVersion: "m@2", role: CHALLENGER, trafficShare: 0.1, reason: $reason}) { key }', "input.reason"),
    "promoteToChampion": ('promoteToChampion(deployment: "prod/api", modelVersion: "m@1", reason: $reason) { key }', "reason"),
    "rollback": ('rollback(deployment: "prod/api", reason: $reason) { key }', "reason"),
    "setOwner": ('setOwner(input: {owner: "Person:ada@a.example", target: "Dataset:raw", role: STEWARD}, reason: $reason) { id }', "reason"),
    "classify": ('classify(target: "Dataset:raw", classifications: ["PII"], reason: $reason) { id }', "reason"),
    "createAccount": ('createAccount(input: {id: "TARGET", roles: [READER]}, reason: $reason) { id }', "reason"),
    "setAccess": ('setAccess(account: "TARGET", roles: [WRITER], reason: $reason) { roles }', "reason"),
    "disableAccount": ('disableAccount(account: "TARGET", reason: $reason) { active }', "reason"),
    "enableAccount": ('enableAccount(account: "TARGET", reason: $reason) { active }', "reason"),
    "revokeToken": ('revokeToken(tokenId: "TARGET", reason: $reason)', "reason"),
}  # fmt: skip
MODEL = """mutation { registerModel(input: {key: "m"}) { id }
  v1: registerModelVersion(input: {model: "m", version: "1"}) { id }
  v2: registerModelVersion(input: {model: "m", version: "2"}) { id }
  registerDeployment(input: {name: "api", environment: "prod"}) { id }
  setModelKpis(model: "m", kpis: [{metric: "auc", threshold: 0.8}], reason: "r") { metric }
  recordEvaluation(input: {key: "e1", modelVersion: "m@1", metrics: {auc: 0.9}}) { id }
  registerPerson(input: {email: "ada@a.example"}) { id }
  registerDataset(input: {key: "raw"}) { id }
  registerClassification(input: {key: "PII"}) { id } }"""


def _arrange(client: TestClient, approver: str, mutation: str) -> tuple[str, str]:
    """What the change needs to succeed: (the token that sends it, what TARGET stands for)."""
    admin = _admin(client)
    gql(client, MODEL)
    if mutation in ("createAccount", "setAccess", "disableAccount", "enableAccount",
                    "revokeToken"):  # fmt: skip
        account = f"ServiceAccount:reasons-{uuid.uuid4().hex[:8]}"
        if mutation != "createAccount":
            account_token(client, account, ["reader"])
        if mutation == "enableAccount":
            gql(
                client, f'mutation {{ disableAccount(account: "{account}", reason: "r") {{ id }} }}'
            )
        if mutation == "revokeToken":
            query = f'mutation {{ issueToken(account: "{account}", name: "t") {{ tokenId }} }}'
            return admin, gql(client, query)["issueToken"]["tokenId"]
        return admin, account
    if mutation == "rollback":  # two champions in turn, each through the lifecycle
        for version in ("m@1", "m@2"):
            make_champion(client, approver, deployment="prod/api", model_version=version)
    if mutation not in ("requestPromotion", "approvePromotion", "rejectPromotion",
                        "promoteToChampion"):  # fmt: skip
        return admin, ""
    gql(client, 'mutation { transitionStage(modelVersion: "m@1", stage: STAGING, reason: "r") '
                "{ stage } }")  # fmt: skip
    if mutation == "requestPromotion":
        return admin, ""
    query = 'mutation { requestPromotion(modelVersion: "m@1", reason: "r") { key } }'
    approval = gql(client, query)["requestPromotion"]["key"]
    if mutation != "promoteToChampion":
        return approver, approval  # four eyes: the admin requested
    approved = post_as(client, approver, 'mutation($a: String!) { approvePromotion(approval: $a, '
                                         'reason: "KPIs met") { status } }', a=approval)  # fmt: skip
    assert "errors" not in approved, approved
    gql(client, 'mutation($s: DateTime!) { recordServing(input: {deployment: "prod/api", '
                'modelVersion: "m@1", role: CHALLENGER, trafficShare: 0.1, validFrom: $s}) '
                "{ key } }", s=(datetime.now(UTC) - timedelta(days=2)).isoformat())  # fmt: skip
    return admin, ""


@pytest.fixture(scope="module")
def approver_token(app_client: TestClient) -> str:
    """A second person with the approver role (four eyes: the admin requests)."""
    return account_token(app_client, "Person:approver@gov.example", ["approver"])


@pytest.mark.parametrize("mutation", sorted(REASONED))
def test_each_governance_change_refuses_a_blank_reason_and_writes_nothing(
    client: TestClient, clean_graph: Driver, approver_token: str, mutation: str
) -> None:
    token, target = _arrange(client, approver_token, mutation)
    call, field = REASONED[mutation]
    query = "mutation($reason: String!) { " + call.replace("TARGET", target) + " }"
    assert root_fields(query) == {mutation}
    before, snapshot = audit_count(clean_graph), graph_snapshot(clean_graph)
    for blank in ("", " \t\n "):
        body = post_as(client, token, query, reason=blank)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, body
        assert (audit_count(clean_graph), graph_snapshot(clean_graph)) == (before, snapshot)
    # With a reason the same change is made and audited with it: the reason was the refusal.
    body = post_as(client, token, query, request_id=f"reasons-{mutation}", reason=" why ")
    assert "errors" not in body, body
    events = audit_events(clean_graph, request_id=f"reasons-{mutation}")
    assert events and {e["reason"] for e in events} == {"why"}


def _verify(settings: Settings) -> ChainReport:
    async def run() -> ChainReport:
        driver = open_driver(settings)
        try:
            return await verify_chain(Graph(driver, database=settings.neo4j_database))
        finally:
            await driver.close()

    return asyncio.run(run())


def _unwrapped(type_ref: dict[str, Any]) -> str | None:
    while type_ref.get("ofType"):
        type_ref = type_ref["ofType"]
    name: str | None = type_ref.get("name")
    return name


def test_no_interface_can_change_or_delete_an_audit_event(
    client: TestClient, clean_graph: Driver, settings: Settings
) -> None:
    gql(client, 'mutation { registerDataset(input: {key: "raw"}) { id } '
                'registerPerson(input: {email: "ada@a.example"}) { id } }')  # fmt: skip
    assert _verify(settings).ok
    trail = audit_events(clean_graph)
    victim = trail[-1]
    # No mutation is about audit events or returns one.
    fields = _mutation_fields(client)
    assert [n for n in fields if "audit" in n.lower()] == []
    assert [n for n, f in fields.items() if _unwrapped(f["type"]) == "AuditEvent"] == []
    # Audit events are not catalog nodes: nothing that looks a node up by id can reach one.
    records, _, _ = clean_graph.execute_query(
        "MATCH (a:AuditEvent) WHERE a:Node OR a.uid IS NOT NULL RETURN count(a) AS n"
    )
    assert records[0]["n"] == 0
    ids = [f"AuditEvent:{victim['key']}", f"AuditEvent:{victim['seq']}"]
    for target in ids:
        body = post(client, "query($id: ID!) { node(id: $id) { id } }", id=target)
        assert error_code(body) == "BAD_USER_INPUT" and body["data"] == {"node": None}, body
        for mutation in (
            'classify(target: $id, classifications: ["PII"], reason: "r") { id }',
            'setOwner(input: {owner: "Person:ada@a.example", target: $id, role: STEWARD}, '
            'reason: "r") { id }',
            'recordRun(input: {runId: "r", job: "j", runKind: TRAINING, used: [$id]}) { id }',
        ):
            body = post(client, "mutation($id: ID!) { " + mutation + " }", id=target)
            assert error_code(body) == "BAD_USER_INPUT" and body["data"] is None, body
    rows = [
        {"type": "CLASSIFIED_AS", "source": ids[0], "target": "Dataset:raw"},
        {"type": "OWNS", "source": "Person:ada@a.example", "target": ids[0],
         "valid_from": "2026-01-01T00:00:00Z"},
        {"type": "CLASSIFIED_AS", "source": "Dataset:raw", "target": ids[1]},
    ]  # fmt: skip
    status, body = bulk_load(client, "edges", rows, reason="try to reach the trail")
    assert (status, body["loaded"], body["rejected"]) == (207, 0, 3), body
    assert all("is not a node id" in r["reason"] for r in body["rejects"]), body
    assert audit_events(clean_graph) == trail
    assert _verify(settings).ok


def test_auth_is_on_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.delenv("LINEAGE_AUTH_ENABLED", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file either
    assert Settings().auth_enabled is True


def test_with_auth_off_the_server_warns_at_start_and_callers_are_the_anonymous_admin(
    clean_graph: Driver, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING and "AUTHENTICATION IS OFF" in r.getMessage()]  # fmt: skip

    caplog.set_level(logging.WARNING, logger="lineage_catalog")
    with TestClient(create_app(settings)):
        assert warnings() == []
    off = settings.model_copy(update={"auth_enabled": False})
    with TestClient(create_app(off)) as anonymous:
        (warning,) = warnings()
        assert "anonymous admin" in warning and "never in production" in warning
        # No token at all: admin-only reads and writes of every role pass.
        body = post_as(anonymous, None, "{ accessLog { field } }")
        assert "errors" not in body, body
        body = post_as(anonymous, None, WRITE, "anonymous-write")
        assert "errors" not in body, body
        (event,) = audit_events(clean_graph, request_id="anonymous-write")
        assert (event["actor"], event["actor_kind"]) == ("ServiceAccount:anonymous", "agent")
        assert anonymous.post("/api/v1/lineage", json=_openlineage_event()).status_code == 201
