"""The way back from an incident into lineage, against the real Neo4j: a retraining run
addresses an incident, the promotion request and approval, a deployment, the promotion to
champion and a rollback cite it, and its resolution points at the version that fixed it;
each is on its audit event and read back through Incident and ModelVersion; an unknown
incident is refused with its field and nothing written; fixed statement counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from tests.factories import make_champion
from tests.governance_helpers import (
    account_token,
    audit_count,
    audit_events,
    graph_snapshot,
    post_as,
)
from tests.graphql_client import gql, post

MODEL, DEPLOYMENT = "risk", "prod/risk-api"
V1, V2 = f"{MODEL}@1", f"{MODEL}@2"
SETUP = """mutation {
  registerModel(input: {key: "risk"}) { key }
  v1: registerModelVersion(input: {model: "risk", version: "1"}) { key }
  v2: registerModelVersion(input: {model: "risk", version: "2"}) { key }
  registerDeployment(input: {name: "risk-api", environment: "prod"}) { id }
  registerJob(input: {key: "train-risk"}) { id }
  registerDataset(input: {key: "loans"}) { id }
  registerDatasetVersion(input: {dataset: "loans", version: "recent"}) { id }
  registerMonitor(input: {key: "risk-auc", target: "Deployment:prod/risk-api",
                          type: PERFORMANCE, metric: "auc", threshold: 0.7,
                          direction: BELOW}) { key }
}"""
BREACH = """mutation { recordObservation(input: {monitor: "risk-auc", value: 0.62,
  observedAt: "2026-05-08T00:00:00Z"}) { incidents { key status } } }"""
RUN = """mutation($input: RunInput!) { recordRun(input: $input) { id } }"""
REQUEST = """mutation($mv: String!, $incident: String) {
  requestPromotion(modelVersion: $mv, reason: "retrained on recent loans",
                   incident: $incident) { key } }"""
APPROVE = """mutation($a: String!, $incident: String) {
  approvePromotion(approval: $a, reason: "KPIs met; answers the drop", incident: $incident) {
    status } }"""
DEPLOY = """mutation($input: DeployModelVersionInput!) { deployModelVersion(input: $input) {
  id } }"""
SERVE = """mutation($input: ServingInput!) { recordServing(input: $input) { key } }"""
PROMOTE = """mutation($incident: String) {
  promoteToChampion(deployment: "prod/risk-api", modelVersion: "risk@2", reason: "warmed up",
                    incident: $incident) { id } }"""
ROLLBACK = """mutation($incident: String) {
  rollback(deployment: "prod/risk-api", reason: "v2 misbehaves", incident: $incident) { id } }"""
MOVE = """mutation($input: TransitionIncidentInput!) { transitionIncident(input: $input) {
  key status fixedBy { id } } }"""
LINKS = """query($key: String!) { incident(key: $key) {
  key addressedBy { id runKind }
  citedBy { action by reason modelVersion approval deployment at }
  fixedBy { id } } }"""
VERSION_INCIDENTS = """query { a: modelVersion(key: "risk@1") { incidents { key } }
                              b: modelVersion(key: "risk@2") { incidents { key status } } }"""


@pytest.fixture(scope="session")
def approver(app_client: TestClient) -> tuple[str, str]:
    account = "Person:approver@incidents.example"
    return account, account_token(app_client, account, ["approver"])


def _incident(client: TestClient, approver_token: str) -> str:
    """v1 champion at the deployment, then a breach of its AUC monitor: the incident's key."""
    gql(client, SETUP)
    make_champion(client, approver_token, deployment=DEPLOYMENT, model_version=V1)
    (opened,) = gql(client, BREACH)["recordObservation"]["incidents"]
    assert opened["status"] == "OPEN"
    return str(opened["key"])


def _retrain(client: TestClient, key: str) -> None:
    gql(client, RUN, input={
        "runId": "retrain-1", "job": "train-risk", "runKind": "TRAINING",
        "used": ["DatasetVersion:loans@recent"], "generated": [f"ModelVersion:{V2}"],
        "addresses": [key],
    })  # fmt: skip


def _head(driver: Driver) -> int:
    """The audit chain's last sequence number: events outlive the graph's wipes."""
    records, _, _ = driver.execute_query("MATCH (a:AuditEvent) RETURN max(a.seq) AS seq")
    return int(records[0]["seq"] or 0)


def _events(driver: Driver, since: int, **where: Any) -> list[dict[str, Any]]:
    return [e for e in audit_events(driver, **where) if e["seq"] > since]


def _after(event: dict[str, Any]) -> dict[str, Any]:
    after: dict[str, Any] = json.loads(event["after"])
    return after


def _promote_v2(client: TestClient, approver_token: str, key: str) -> str:
    """v2 to production citing the incident (request and approval): the approval's key."""
    gql(
        client,
        """mutation { recordEvaluation(input: {key: "risk-2-eval", modelVersion: "risk@2",
        metrics: {auc: 0.9}}) { id }
      transitionStage(modelVersion: "risk@2", stage: STAGING, reason: "retrained") { stage } }""",
    )
    approval = str(gql(client, REQUEST, mv=V2, incident=key)["requestPromotion"]["key"])
    body = post_as(client, approver_token, APPROVE, a=approval, incident=key)
    assert "errors" not in body, body
    return approval


def test_the_loop_from_an_incident_back_to_the_version_that_fixed_it(
    client: TestClient, clean_graph: Driver, approver: tuple[str, str]
) -> None:
    approver_uid, approver_token = approver
    since = _head(clean_graph)
    key = _incident(client, approver_token)
    _retrain(client, key)
    (run_event,) = _events(clean_graph, since, action="register.Run", target="Run:retrain-1")
    assert _after(run_event)["links"]["ADDRESSES"] == [key]
    # Recording the same run again changes nothing and writes no event.
    before = audit_count(clean_graph)
    _retrain(client, key)
    assert audit_count(clean_graph) == before

    approval = _promote_v2(client, approver_token, key)
    # v2 warms up as challenger (recorded two days back), then becomes champion citing it.
    warm = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    gql(client, SERVE, input={"deployment": DEPLOYMENT, "modelVersion": V2,
                              "role": "CHALLENGER", "trafficShare": 0.1, "validFrom": warm,
                              "reason": "warm-up"})  # fmt: skip
    assert "errors" not in post_as(client, approver_token, PROMOTE, incident=key)
    gql(
        client,
        DEPLOY,
        input={
            "deployment": DEPLOYMENT,
            "modelVersion": V1,
            "role": "SHADOW",
            "trafficShare": 0.0,
            "reason": "compare",
            "incident": key,
        },
    )
    gql(client, MOVE, input={"incident": key, "status": "ACKNOWLEDGED", "reason": "seen"})
    resolved = gql(client, MOVE, input={
        "incident": key, "status": "RESOLVED", "reason": "v2 serves; AUC back above 0.7",
        "fixedBy": f"ModelVersion:{V2}",
    })["transitionIncident"]  # fmt: skip
    assert resolved == {"key": key, "status": "RESOLVED",
                        "fixedBy": [{"id": f"ModelVersion:{V2}"}]}  # fmt: skip

    links = gql(client, LINKS, key=key)["incident"]
    assert links["addressedBy"] == [{"id": "Run:retrain-1", "runKind": "training"}]
    cited = [(c["action"], c["by"], c["modelVersion"], c["approval"], c["deployment"])
             for c in links["citedBy"]]  # fmt: skip
    admin = cited[0][1]
    assert cited == [
        ("approval.request", admin, V2, approval, None),
        ("approval.approve", approver_uid, V2, approval, None),
        ("serving.promote", approver_uid, V2, None, DEPLOYMENT),
        ("serving.deploy", admin, V1, None, DEPLOYMENT),
    ]
    assert links["citedBy"][1]["reason"] == "KPIs met; answers the drop"
    assert links["fixedBy"] == [{"id": f"ModelVersion:{V2}"}]

    # Each change carries the incident on its audit event; the approval and serving too.
    for action, target in (("approval.request", f"ModelVersion:{V2}"),
                           ("approval.approve", f"ModelVersion:{V2}"),
                           ("serving.promote", f"Deployment:{DEPLOYMENT}"),
                           ("serving.deploy", f"Deployment:{DEPLOYMENT}")):  # fmt: skip
        citing = [e for e in _events(clean_graph, since, action=action, target=target)
                  if _after(e).get("incident") == key]  # fmt: skip
        assert len(citing) == 1, action
    (resolution,) = _events(clean_graph, since, action="incident.resolved")
    assert _after(resolution)["fixed_by"] == f"ModelVersion:{V2}"
    records, _, _ = clean_graph.execute_query(
        "MATCH (a:Approval {key: $a}) RETURN a.incidents AS incidents", a=approval
    )
    assert records[0]["incidents"] == [key, key]
    records, _, _ = clean_graph.execute_query(
        "MATCH (:Deployment {key: $d})-[s:SERVED]->(mv:ModelVersion) WHERE s.valid_to IS NULL "
        "RETURN mv.key AS mv, s.incident AS incident ORDER BY mv",
        d=DEPLOYMENT,
    )
    assert [(r["mv"], r["incident"]) for r in records] == [(V1, key), (V2, key)]

    versions = gql(client, VERSION_INCIDENTS)
    assert versions["a"]["incidents"] == [{"key": key}]  # cited by its shadow deployment
    assert versions["b"]["incidents"] == [{"key": key, "status": "RESOLVED"}]


def test_a_rollback_cites_the_incident_and_a_deployment_can_be_what_fixed_it(
    client: TestClient, clean_graph: Driver, approver: tuple[str, str]
) -> None:
    _, approver_token = approver
    since = _head(clean_graph)
    key = _incident(client, approver_token)
    make_champion(client, approver_token, deployment=DEPLOYMENT, model_version=V2)
    assert "errors" not in post_as(client, approver_token, ROLLBACK, incident=key)
    gql(client, MOVE, input={"incident": key, "status": "RESOLVED", "reason": "rolled back",
                             "fixedBy": f"Deployment:{DEPLOYMENT}"})  # fmt: skip
    links = gql(client, LINKS, key=key)["incident"]
    assert [(c["action"], c["modelVersion"]) for c in links["citedBy"]] == [
        ("serving.rollback", V1)  # the version restored
    ]
    assert links["fixedBy"] == [{"id": f"Deployment:{DEPLOYMENT}"}]
    (event,) = _events(clean_graph, since, action="serving.rollback")
    assert _after(event)["incident"] == key


def _bad_cases(key: str) -> list[tuple[str, str, dict[str, Any], str]]:
    run = {"runId": "r-bad", "job": "train-risk", "runKind": "TRAINING"}
    return [
        ("run", RUN, {"input": {**run, "addresses": [key, "no-such"]}}, "input.addresses.1"),
        ("run-key", RUN, {"input": {**run, "addresses": [" "]}}, "input.addresses.0"),
        ("request", REQUEST, {"mv": V2, "incident": "no-such"}, "incident"),
        ("promote", PROMOTE, {"incident": "no-such"}, "incident"),
        ("rollback", ROLLBACK, {"incident": "no-such"}, "incident"),
        ("deploy", DEPLOY, {"input": {"deployment": DEPLOYMENT, "modelVersion": V2,
                                      "role": "SHADOW", "trafficShare": 0.0, "reason": "x",
                                      "incident": "no-such"}}, "input.incident"),
        ("fixed-unknown", MOVE, {"input": {"incident": key, "status": "RESOLVED",
                                           "reason": "x", "fixedBy": "ModelVersion:risk@9"}},
         "input.fixedBy"),
        ("fixed-kind", MOVE, {"input": {"incident": key, "status": "RESOLVED", "reason": "x",
                                        "fixedBy": "Dataset:loans"}}, "input.fixedBy"),
        ("fixed-not-resolved", MOVE, {"input": {"incident": key, "status": "ACKNOWLEDGED",
                                                "reason": "x", "fixedBy": f"ModelVersion:{V2}"}},
         "input.fixedBy"),
    ]  # fmt: skip


def test_an_unknown_incident_is_refused_with_its_field_and_nothing_written(
    client: TestClient, clean_graph: Driver, approver: tuple[str, str]
) -> None:
    _, approver_token = approver
    key = _incident(client, approver_token)
    gql(
        client,
        """mutation { transitionStage(modelVersion: "risk@2", stage: STAGING,
                                              reason: "review") { stage } }""",
    )
    for case, query, variables, field in _bad_cases(key):
        before = graph_snapshot(clean_graph), audit_count(clean_graph)
        body = post(client, query, **variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (case, body)
        assert body["errors"][0]["extensions"]["field"] == field, (case, body)
        assert (graph_snapshot(clean_graph), audit_count(clean_graph)) == before, case


def _statements(client: TestClient, query: str) -> int:
    body = post(client, query)
    assert "errors" not in body, body
    return int(body["extensions"]["neo4jStatements"])


INCIDENT_PAGE = """{ incidents(first: 50) { edges { node { key
  addressedBy { id } citedBy { action } fixedBy { id } } } } }"""
VERSIONS = """{ model(key: "risk") { versions { key
  incidents { key addressedBy { id } citedBy { action } } } } }"""


OPEN = """mutation($key: String!) { openIncident(input: {targets: ["ModelVersion:risk@1"],
  title: "by hand", reason: "by hand", key: $key}) { key } }"""


def test_the_links_cost_a_fixed_number_of_statements(
    client: TestClient, clean_graph: Driver, approver: tuple[str, str]
) -> None:
    _, approver_token = approver
    key = _incident(client, approver_token)
    _retrain(client, key)
    counts = [(_statements(client, INCIDENT_PAGE), _statements(client, VERSIONS))]
    # More incidents, each addressed by its own run: the same number of statements.
    for i in range(4):
        opened = gql(client, OPEN, key=f"manual-{i}")["openIncident"]["key"]
        gql(client, RUN, input={"runId": f"retrain-m{i}", "job": "train-risk",
                                "runKind": "TRAINING", "generated": [f"ModelVersion:{V2}"],
                                "addresses": [opened]})  # fmt: skip
    counts.append((_statements(client, INCIDENT_PAGE), _statements(client, VERSIONS)))
    assert counts[0] == counts[1], counts
