"""The governed model lifecycle through GraphQL on a real Neo4j: stages, KPIs, evaluations,
four-eyes promotion, serving roles with warm-up and rollback, model cards, and the audit
event each governance change writes (and each refused one does not)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.services.lifecycle import request_promotion
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph, open_driver
from lineage_catalog.store.lifecycle import Approval
from tests.conftest import TEST_ACTOR
from tests.factories import make_champion
from tests.governance_helpers import (
    account_token,
    audit_count,
    audit_events,
    error_code,
    graph_snapshot,
    post_as,
)
from tests.graphql_client import gql, post

REGISTER = """
mutation($model: String!, $dataset: String!) {
  registerModel(input: {key: $model, name: "Churn"}) { key }
  v1: registerModelVersion(input: {model: $model, version: "1"}) { key stage }
  v2: registerModelVersion(input: {model: $model, version: "2"}) { key stage }
  registerDataset(input: {key: $dataset}) { key }
  registerDatasetVersion(input: {dataset: $dataset, version: "holdout-1"}) { id }
}
"""
SET_KPIS = """
mutation($model: String!, $kpis: [KpiInput!]!, $reason: String!) {
  setModelKpis(model: $model, kpis: $kpis, reason: $reason) { metric threshold direction }
}
"""
RECORD_EVALUATION = """
mutation($input: EvaluationInput!) {
  recordEvaluation(input: $input) {
    id metrics generatedBy { id runKind used { id } }
  }
}
"""
TRANSITION = """
mutation($mv: String!, $stage: Stage!, $reason: String!) {
  transitionStage(modelVersion: $mv, stage: $stage, reason: $reason) { key stage }
}
"""
REQUEST = """
mutation($mv: String!, $reason: String!) {
  requestPromotion(modelVersion: $mv, reason: $reason) { key status requestedBy toStage }
}
"""
APPROVE = """
mutation($approval: String!, $reason: String!) {
  approvePromotion(approval: $approval, reason: $reason) {
    key status decidedBy decisionReason modelVersion
  }
}
"""
REJECT = """
mutation($approval: String!, $reason: String!) {
  rejectPromotion(approval: $approval, reason: $reason) { key status decidedBy }
}
"""
STAGE = "query($key: String!) { modelVersion(key: $key) { stage } }"
RECORD_SERVING = """
mutation($input: ServingInput!) { recordServing(input: $input) { key } }
"""
DEPLOY = """
mutation($input: DeployModelVersionInput!) {
  deployModelVersion(input: $input) { serving { role modelVersion { key } } }
}
"""
PROMOTE = """
mutation($d: String!, $mv: String!, $reason: String!) {
  promoteToChampion(deployment: $d, modelVersion: $mv, reason: $reason) {
    serving { role trafficShare modelVersion { key } }
  }
}
"""
ROLLBACK = """
mutation($d: String!, $reason: String!) {
  rollback(deployment: $d, reason: $reason) {
    serving { role trafficShare changedBy reason modelVersion { key } }
  }
}
"""
SERVING_AT = """
query($d: String!, $at: DateTime) {
  deployment(key: $d) { serving(asOf: $at) { role modelVersion { key } } }
}
"""
HISTORY = """
query($d: String!) {
  deployment(key: $d) {
    servingHistory { role validFrom validTo changedBy reason modelVersion { key } }
  }
}
"""


@pytest.fixture(scope="session")
def approver(app_client: TestClient) -> tuple[str, str]:
    """A second person who may approve (but not register or request): (uid, token)."""
    account = "Person:approver@lifecycle.example"
    return account, account_token(app_client, account, ["approver"])


def _names() -> tuple[str, str, str]:
    """A model, dataset and deployment key of this test's own: audit events outlive wipes."""
    tag = uuid4().hex[:8]
    return f"churn-{tag}", f"holdout-{tag}", f"prod/churn-api-{tag}"


def _registered(client: TestClient) -> tuple[str, str]:
    """A model with two versions (trained on a dataset) and a deployment, registered."""
    model, dataset, deployment = _names()
    gql(client, REGISTER, model=model, dataset=dataset)
    env, name = deployment.split("/")
    gql(client, f'mutation {{ registerDeployment(input: {{environment: "{env}", '
                f'name: "{name}"}}) {{ key }} }}')  # fmt: skip
    return model, deployment


def _code(body: dict[str, Any]) -> tuple[str | None, str]:
    errors = body.get("errors") or [{"message": "", "extensions": {}}]
    return error_code(body), errors[0]["message"]


def _evaluate(client: TestClient, key: str, mv: str, **extra: Any) -> dict[str, Any]:
    return gql(client, RECORD_EVALUATION, input={"key": key, "modelVersion": mv, **extra})


def _serving(client: TestClient, deployment: str, at: datetime | None) -> set[tuple[str, str]]:
    got = gql(client, SERVING_AT, d=deployment, at=at.isoformat() if at else None)
    return {(s["modelVersion"]["key"], s["role"]) for s in got["deployment"]["serving"]}


def _actions(driver: Driver, target: str) -> list[str]:
    return [e["action"] for e in audit_events(driver, target=target)]


def test_a_model_walks_from_registration_to_production_and_back_by_rollback(
    client: TestClient, clean_graph: Driver, approver: tuple[str, str]
) -> None:
    approver_uid, approver_token = approver
    model, dataset, deployment = _names()
    v1, v2 = f"{model}@1", f"{model}@2"
    mv2 = f"ModelVersion:{v2}"
    registered = gql(client, REGISTER, model=model, dataset=dataset)
    assert registered["v2"]["stage"] == "registered"

    kpis = [
        {"metric": "auc", "threshold": 0.8, "direction": "AT_LEAST"},
        {"metric": "latency_ms", "threshold": 50.0, "direction": "AT_MOST"},
    ]
    got = gql(client, SET_KPIS, model=model, kpis=kpis, reason="churn targets for Q3")
    assert got["setModelKpis"] == kpis
    assert gql(client, "query($m: String!) { modelKpis(model: $m) { metric } }", m=model)[
        "modelKpis"
    ] == [{"metric": "auc"}, {"metric": "latency_ms"}]

    holdout = f"DatasetVersion:{dataset}@holdout-1"
    evaluation = _evaluate(
        client, f"eval-{model}-2-a", v2, metrics={"auc": 0.78, "latency_ms": 41},
        datasetVersions=[holdout],
    )["recordEvaluation"]  # fmt: skip
    run = evaluation["generatedBy"]
    assert run["id"] == f"Run:eval-run-eval-{model}-2-a" and run["runKind"] == "evaluation"
    assert {u["id"] for u in run["used"]} == {mv2, holdout}
    # A slice scores better, but only overall evaluations count toward a KPI.
    _evaluate(client, f"eval-{model}-2-f", v2, metrics={"auc": 0.9}, slice="gender=F")

    assert gql(client, TRANSITION, mv=v2, stage="STAGING", reason="ready for review")[
        "transitionStage"
    ] == {"key": v2, "stage": "staging"}
    approval = gql(client, REQUEST, mv=v2, reason="beats v1 offline")["requestPromotion"]
    assert approval["status"] == "pending" and approval["toStage"] == "production"

    # Four eyes: the requester (the admin) cannot approve; nothing is written.
    body = post(client, APPROVE, approval=approval["key"], reason="lgtm")
    code, message = _code(body)
    assert code == "FAILED_PRECONDITION" and message.startswith("four eyes"), body
    # Another person, but the version misses a KPI: refused, naming value and threshold.
    body = post_as(client, approver_token, APPROVE, approval=approval["key"], reason="lgtm")
    code, message = _code(body)
    assert code == "FAILED_PRECONDITION" and "auc 0.78" in message and ">= 0.8" in message, body
    assert "latency_ms" not in message  # 41 <= 50 is met
    assert gql(client, STAGE, key=v2)["modelVersion"]["stage"] == "staging"
    assert _actions(clean_graph, mv2) == [
        "register.ModelVersion", "stage.transition", "approval.request",
    ]  # fmt: skip

    _evaluate(client, f"eval-{model}-2-b", v2, metrics={"auc": 0.83, "latency_ms": 44})
    body = post_as(client, approver_token, APPROVE, approval=approval["key"], reason="KPIs met")
    assert "errors" not in body, body
    assert body["data"]["approvePromotion"] == {
        "key": approval["key"], "status": "approved", "decidedBy": approver_uid,
        "decisionReason": "KPIs met", "modelVersion": v2,
    }  # fmt: skip
    assert gql(client, STAGE, key=v2)["modelVersion"]["stage"] == "production"
    assert _actions(clean_graph, mv2)[-2:] == ["approval.approve", "stage.transition"]
    promoted = audit_events(clean_graph, target=mv2, action="stage.transition")[-1]
    assert promoted["actor"] == approver_uid and promoted["reason"] == "KPIs met"
    listed = gql(client, "query($mv: String!) { approvals(modelVersion: $mv) { key status } }",
                 mv=v2)["approvals"]  # fmt: skip
    assert listed == [{"key": approval["key"], "status": "approved"}]

    # Serving: v1 warmed up as challenger for three days and became champion (through the
    # lifecycle, as every champion does); v2 has been challenger for two days (recorded).
    now = datetime.now(UTC)
    gql(client, f'mutation {{ registerDeployment(input: {{environment: "prod", '
                f'name: "{deployment.split("/")[1]}"}}) {{ key }} }}')  # fmt: skip
    make_champion(client, approver_token, deployment=deployment, model_version=v1,
                  challenger_since=now - timedelta(days=3))  # fmt: skip
    gql(client, RECORD_SERVING, input={
        "deployment": deployment, "modelVersion": v2, "role": "CHALLENGER", "validFrom":
        (now - timedelta(days=2)).isoformat(), "trafficShare": 0.1,
        "reason": "A/B test of v2", "changedBy": "Person:alice@lifecycle.example"})  # fmt: skip

    promoted_at = datetime.now(UTC)
    body = post_as(client, approver_token, PROMOTE, d=deployment, mv=v2, reason="won the A/B")
    assert "errors" not in body, body
    assert body["data"]["promoteToChampion"]["serving"] == [
        {"role": "champion", "trafficShare": 1.0, "modelVersion": {"key": v2}}
    ]
    body = post_as(client, approver_token, ROLLBACK, d=deployment, reason="churn alerts spiked")
    assert "errors" not in body, body
    assert body["data"]["rollback"]["serving"] == [
        {"role": "champion", "trafficShare": 1.0, "changedBy": approver_uid,
         "reason": "churn alerts spiked", "modelVersion": {"key": v1}}
    ]  # fmt: skip

    # Q3 at any time: what served, and who changed it when and why.
    history = gql(client, HISTORY, d=deployment)["deployment"]["servingHistory"]
    who_why = [(h["modelVersion"]["key"], h["role"], h["changedBy"], h["reason"]) for h in history]
    assert who_why == [
        (v1, "champion", approver_uid, "churn alerts spiked"),
        (v2, "champion", approver_uid, "won the A/B"),
        (v1, "champion", approver_uid, "warmed up"),
        (v2, "challenger", "Person:alice@lifecycle.example", "A/B test of v2"),
        (v1, "challenger", None, "warm-up"),
    ]  # fmt: skip
    rolled_back, v2_reign, v1_reign = history[0], history[1], history[2]
    assert v2_reign["validTo"] == rolled_back["validFrom"]
    assert history[3]["validTo"] == v1_reign["validTo"] == v2_reign["validFrom"]
    assert history[4]["validTo"] == v1_reign["validFrom"]
    reign_from = datetime.fromisoformat(v2_reign["validFrom"])
    reign_to = datetime.fromisoformat(v2_reign["validTo"])
    assert reign_from >= promoted_at
    assert _serving(client, deployment, now - timedelta(days=10)) == set()
    assert _serving(client, deployment, now - timedelta(days=1)) == {
        (v1, "challenger"), (v2, "challenger"),
    }  # fmt: skip
    v1_from = datetime.fromisoformat(v1_reign["validFrom"])
    v1_to = datetime.fromisoformat(v1_reign["validTo"])
    assert _serving(client, deployment, v1_from + (v1_to - v1_from) / 2) == {
        (v1, "champion"), (v2, "challenger"),
    }  # fmt: skip
    assert _serving(client, deployment, reign_from + (reign_to - reign_from) / 2) == {
        (v2, "champion")
    }
    assert _serving(client, deployment, None) == {(v1, "champion")}

    target = f"Deployment:{deployment}"
    events = audit_events(clean_graph, target=target)
    # (recordServing audits on the version; the lifecycle's serving changes on the deployment)
    assert [e["action"] for e in events] == [
        "register.Deployment", "serving.promote", "serving.promote", "serving.rollback",
    ]  # fmt: skip
    promote, rollback = events[-2:]
    assert f'"champion":["ModelVersion:{v2}"]' in promote["after"]
    assert f'"champion":["ModelVersion:{v1}"]' in promote["before"]
    assert rollback["reason"] == "churn alerts spiked" and rollback["actor"] == approver_uid
    assert f'"champion":["ModelVersion:{v1}"]' in rollback["after"]
    assert len(audit_events(clean_graph, target=f"Model:{model}", action="model.kpis")) == 1


def test_a_challenger_is_promoted_only_after_its_warm_up_and_in_production(
    client: TestClient, clean_graph: Driver, approver: tuple[str, str]
) -> None:
    _, approver_token = approver
    model, deployment = _registered(client)
    v1, v2 = f"{model}@1", f"{model}@2"
    target = f"Deployment:{deployment}"

    deploy = {"deployment": deployment, "modelVersion": v2, "role": "CHALLENGER",
              "trafficShare": 0.2, "reason": "shadow traffic first"}  # fmt: skip
    body = post(client, DEPLOY, input={**deploy, "role": "CHAMPION"})
    assert _code(body)[0] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "input.role"
    body = post(client, DEPLOY, input={**deploy, "reason": " "})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.reason"}
    served = gql(client, DEPLOY, input=deploy)["deployModelVersion"]["serving"]
    assert served == [{"role": "challenger", "modelVersion": {"key": v2}}]
    code, message = _code(post(client, DEPLOY, input=deploy))
    assert code == "FAILED_PRECONDITION" and "already serves" in message

    # Deployed now: still warming up (the default warm-up is a day).
    code, message = _code(
        post_as(client, approver_token, PROMOTE, d=deployment, mv=v2, reason="looks good")
    )
    assert code == "FAILED_PRECONDITION" and "warming up" in message, message
    assert "remaining" in message and "of 24h 00m 00s" in message
    # A version that never served as challenger there.
    code, message = _code(
        post_as(client, approver_token, PROMOTE, d=deployment, mv=v1, reason="looks good")
    )
    assert code == "FAILED_PRECONDITION" and "challenger" in message
    # Warmed up (backdated) but not in production.
    gql(client, RECORD_SERVING, input={
        "deployment": deployment, "modelVersion": v1, "role": "CHALLENGER",
        "validFrom": (datetime.now(UTC) - timedelta(days=3)).isoformat(), "trafficShare": 0.1,
    })  # fmt: skip
    code, message = _code(
        post_as(client, approver_token, PROMOTE, d=deployment, mv=v1, reason="looks good")
    )
    assert code == "FAILED_PRECONDITION" and "is registered" in message and "production" in message
    # No champion: nothing to roll back.
    code, message = _code(post_as(client, approver_token, ROLLBACK, d=deployment, reason="x"))
    assert code == "FAILED_PRECONDITION" and "no champion" in message
    body = post(client, PROMOTE, d="prod/nowhere", mv=v2, reason="x")
    assert _code(body)[0] == "NOT_FOUND"

    assert [e["action"] for e in audit_events(clean_graph, target=target)] == [
        "register.Deployment",
        "serving.deploy",
    ]
    deployed = audit_events(clean_graph, target=target, action="serving.deploy")[0]
    assert f'"ModelVersion:{v2}":"challenger"' in deployed["after"]
    assert deployed["reason"] == "shadow traffic first"


def test_rollback_needs_a_previous_champion(
    client: TestClient, clean_graph: Driver, approver: tuple[str, str]
) -> None:
    _, approver_token = approver
    model, dataset, deployment = _names()
    gql(client, REGISTER, model=model, dataset=dataset)
    env, name = deployment.split("/")
    gql(client, f'mutation {{ registerDeployment(input: {{environment: "{env}", '
                f'name: "{name}"}}) {{ key }} }}')  # fmt: skip
    make_champion(client, approver_token, deployment=deployment, model_version=f"{model}@1")
    code, message = _code(post_as(client, approver_token, ROLLBACK, d=deployment, reason="x"))
    assert code == "FAILED_PRECONDITION" and "no previous champion" in message
    assert (
        audit_events(clean_graph, target=f"Deployment:{deployment}", action="serving.rollback")
        == []
    )


def test_stage_rules_and_reasons(
    client: TestClient, clean_graph: Driver, approver: tuple[str, str]
) -> None:
    _, approver_token = approver
    model, dataset, _ = _names()
    v1, v2 = f"{model}@1", f"{model}@2"
    gql(client, REGISTER, model=model, dataset=dataset)

    code, message = _code(post(client, TRANSITION, mv=v1, stage="PRODUCTION", reason="ship it"))
    assert code == "FAILED_PRECONDITION"
    assert "needs an approved promotion (requestPromotion, approvePromotion)" in message
    body = post(client, TRANSITION, mv=v1, stage="STAGING", reason="   ")
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "reason"}
    assert _code(post(client, TRANSITION, mv=f"{model}@9", stage="STAGING", reason="x"))[0] == (
        "NOT_FOUND"
    )
    code, message = _code(post(client, REQUEST, mv=v1, reason="early"))
    assert code == "FAILED_PRECONDITION" and "only a version in staging" in message
    gql(client, TRANSITION, mv=v1, stage="STAGING", reason="candidate")
    code, message = _code(post(client, TRANSITION, mv=v1, stage="REGISTERED", reason="undo"))
    assert code == "FAILED_PRECONDITION" and "from staging to registered" in message
    gql(client, TRANSITION, mv=v2, stage="ARCHIVED", reason="superseded")
    code, message = _code(post(client, TRANSITION, mv=v2, stage="STAGING", reason="revive"))
    assert code == "FAILED_PRECONDITION" and "from archived to staging" in message

    # A model without KPIs: nothing can be promoted; a second pending request is refused.
    first = gql(client, REQUEST, mv=v1, reason="candidate")["requestPromotion"]
    code, message = _code(post(client, REQUEST, mv=v1, reason="again"))
    assert code == "FAILED_PRECONDITION" and first["key"] in message
    code, message = _code(
        post_as(client, approver_token, APPROVE, approval=first["key"], reason="ok")
    )
    assert code == "FAILED_PRECONDITION" and "has no KPIs" in message
    # The approver role does not include requesting (a writer's change).
    assert error_code(post_as(client, approver_token, REQUEST, mv=v1, reason="x")) == "FORBIDDEN"
    rejected = post_as(client, approver_token, REJECT, approval=first["key"], reason="no KPIs")
    assert rejected["data"]["rejectPromotion"]["status"] == "rejected"
    code, message = _code(post(client, REJECT, approval=first["key"], reason="again"))
    assert code == "FAILED_PRECONDITION" and "not pending" in message
    assert _code(post(client, APPROVE, approval="approval-nope", reason="x"))[0] == "NOT_FOUND"

    mv1 = f"ModelVersion:{v1}"
    assert _actions(clean_graph, mv1) == [
        "register.ModelVersion", "stage.transition", "approval.request", "approval.reject",
    ]  # fmt: skip
    assert _actions(clean_graph, f"ModelVersion:{v2}")[-1] == "stage.transition"
    assert len(_actions(clean_graph, f"ModelVersion:{v2}")) == 2


def test_evaluations_are_kept_as_recorded(client: TestClient, clean_graph: Driver) -> None:
    model, dataset, _ = _names()
    gql(client, REGISTER, model=model, dataset=dataset)
    first = {"key": f"eval-{model}", "modelVersion": f"{model}@1", "metrics": {"auc": 0.7}}
    gql(client, RECORD_EVALUATION, input=first)
    gql(client, RECORD_EVALUATION, input=first)  # a retry changes nothing
    assert len(audit_events(clean_graph, target=f"Evaluation:eval-{model}")) == 1
    code, message = _code(post(client, RECORD_EVALUATION, input={**first, "metrics": {"auc": 1}}))
    assert code == "FAILED_PRECONDITION" and "already recorded" in message
    body = post(client, RECORD_EVALUATION, input={**first, "metrics": {"auc": "high"}})
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT", "field": "input.metrics.auc"
    }  # fmt: skip
    body = post(client, RECORD_EVALUATION, input={**first, "key": "e2", "modelVersion": "x@1"})
    assert _code(body)[0] == "NOT_FOUND"
    body = post(client, RECORD_EVALUATION, input={**first, "key": "e3", "datasetVersions": [
        f"Dataset:{dataset}"]})  # fmt: skip
    assert body["errors"][0]["extensions"]["field"] == "input.datasetVersions.0"


MODEL_CARD = """
query($mv: String!) {
  modelCard(modelVersion: $mv) {
    modelVersion model stage intendedUse stakeholders knownRisks fairnessEvaluations
    limitations updatedBy kpis { metric threshold direction value met }
    evaluations { key slice metrics }
  }
}
"""
UPDATE_CARD = """
mutation($mv: String!, $card: ModelCardInput!, $reason: String) {
  updateModelCard(modelVersion: $mv, card: $card, reason: $reason) {
    intendedUse businessGoal stakeholders limitations
  }
}
"""


def test_model_cards_are_versioned_and_their_history_is_the_audit_trail(
    client: TestClient, clean_graph: Driver
) -> None:
    model, dataset, _ = _names()
    v1 = f"{model}@1"
    gql(client, REGISTER, model=model, dataset=dataset)
    kpis = [{"metric": "auc", "threshold": 0.8}, {"metric": "recall", "threshold": 0.5}]
    gql(client, SET_KPIS, model=model, reason="targets", kpis=kpis)
    _evaluate(client, f"eval-{model}", v1, metrics={"auc": 0.85})
    _evaluate(client, f"eval-{model}-f", v1, metrics={"auc": 0.74}, slice="gender=F")

    card = {
        "intendedUse": "Rank customers by churn risk for retention offers",
        "businessGoal": "Cut monthly churn by 2 points",
        "stakeholders": ["retention team", "risk office"],
        "knownRisks": ["under-scores new customers"],
        "fairnessEvaluations": [{"slice": "gender=F", "auc": 0.74}],
    }
    got = gql(client, UPDATE_CARD, mv=v1, card=card, reason="first card")["updateModelCard"]
    assert got["stakeholders"] == ["retention team", "risk office"]
    gql(client, UPDATE_CARD, mv=v1, card={"limitations": "EU customers only"})
    gql(client, UPDATE_CARD, mv=v1, card={"limitations": "EU customers only"})  # unchanged

    shown = gql(client, MODEL_CARD, mv=v1)["modelCard"]
    assert shown["intendedUse"] == card["intendedUse"]
    assert shown["limitations"] == "EU customers only" and shown["stage"] == "registered"
    assert shown["fairnessEvaluations"] == card["fairnessEvaluations"]
    assert shown["kpis"] == [
        {"metric": "auc", "threshold": 0.8, "direction": "AT_LEAST", "value": 0.85, "met": True},
        {"metric": "recall", "threshold": 0.5, "direction": "AT_LEAST", "value": None,
         "met": False},
    ]  # fmt: skip
    assert {(e["key"], e["slice"]) for e in shown["evaluations"]} == {
        (f"eval-{model}", None), (f"eval-{model}-f", "gender=F"),
    }  # fmt: skip
    history = audit_events(clean_graph, target=f"ModelVersion:{v1}", action="modelcard.update")
    assert len(history) == 2
    assert history[0]["before"] == "null" and history[0]["reason"] == "first card"
    assert '"limitations":"EU customers only"' in history[1]["after"]
    assert '"limitations"' not in history[1]["before"]
    assert gql(client, MODEL_CARD, mv=f"{model}@7")["modelCard"] is None


async def _request_twice(settings: Settings, model_version: str) -> list[object]:
    driver = open_driver(settings)
    try:
        graph = Graph(driver, database=settings.neo4j_database)
        return await asyncio.gather(
            *(
                request_promotion(graph, actor=TEST_ACTOR, model_version=model_version, reason=r)
                for r in ("first", "second")
            ),
            return_exceptions=True,
        )
    finally:
        await driver.close()


def test_concurrent_promotion_requests_leave_one_pending(
    client: TestClient, clean_graph: Driver, settings: Settings
) -> None:
    model, dataset, _ = _names()
    gql(client, REGISTER, model=model, dataset=dataset)
    gql(client, TRANSITION, mv=f"{model}@1", stage="STAGING", reason="candidate")
    outcomes = asyncio.run(_request_twice(settings, f"{model}@1"))
    assert sorted(type(o).__name__ for o in outcomes) == ["Approval", "ConflictError"]
    listed = gql(client, "query($mv: String!) { approvals(modelVersion: $mv) { status } }",
                 mv=f"{model}@1")["approvals"]  # fmt: skip
    assert listed == [{"status": "pending"}]
    # The refused request had locked the version (a write) before it was refused: its
    # transaction rolled back with no audit event.
    (winner,) = [o for o in outcomes if isinstance(o, Approval)]
    requested = audit_events(
        clean_graph, target=f"ModelVersion:{model}@1", action="approval.request"
    )
    assert [e["reason"] for e in requested] == [winner.request_reason]


def test_record_serving_cannot_make_a_champion_or_serve_an_archived_version(
    client: TestClient, clean_graph: Driver, approver: tuple[str, str]
) -> None:
    _, approver_token = approver
    model, deployment = _registered(client)
    v1, v2 = f"{model}@1", f"{model}@2"
    # v2 reaches production the governed way; v1 stays registered.
    gql(client, SET_KPIS, model=model, kpis=[{"metric": "auc", "threshold": 0.8}], reason="t")
    _evaluate(client, f"eval-{model}-2", v2, metrics={"auc": 0.9})
    gql(client, TRANSITION, mv=v2, stage="STAGING", reason="candidate")
    approval = gql(client, REQUEST, mv=v2, reason="better")["requestPromotion"]["key"]
    approved = post_as(client, approver_token, APPROVE, approval=approval, reason="KPIs met")
    assert "errors" not in approved, approved
    before = audit_count(clean_graph)
    snapshot = graph_snapshot(clean_graph)

    served = {"deployment": deployment, "role": "CHAMPION", "trafficShare": 1.0,
              "validFrom": (datetime.now(UTC) - timedelta(days=3)).isoformat()}  # fmt: skip
    # Neither a registered version nor a production one: a champion needs promoteToChampion
    # (the four-eyes approval and the challenger's warm-up).
    for mv in (v1, v2):
        body = post(client, RECORD_SERVING, input={**served, "modelVersion": mv})
        code, message = _code(body)
        assert code == "BAD_USER_INPUT" and body["errors"][0]["extensions"]["field"] == (
            "input.role"
        ), body
        assert "promoteToChampion" in message and "requestPromotion" in message
    assert (audit_count(clean_graph), graph_snapshot(clean_graph)) == (before, snapshot)
    gql(client, TRANSITION, mv=v1, stage="ARCHIVED", reason="superseded")
    before, snapshot = audit_count(clean_graph), graph_snapshot(clean_graph)
    body = post(client, RECORD_SERVING, input={**served, "modelVersion": v1, "role": "SHADOW"})
    code, message = _code(body)
    assert code == "FAILED_PRECONDITION" and "archived" in message, body
    assert (audit_count(clean_graph), graph_snapshot(clean_graph)) == (before, snapshot)
    assert _serving(client, deployment, None) == set()
    for mv in (v1, v2):
        assert audit_events(clean_graph, target=f"ModelVersion:{mv}", action="serving.record") == []


def test_a_change_refused_after_it_began_writing_leaves_nothing(
    client: TestClient, clean_graph: Driver
) -> None:
    model, dataset, _ = _names()
    v1 = f"{model}@1"
    gql(client, REGISTER, model=model, dataset=dataset)
    gql(client, 'mutation { registerJob(input: {key: "train"}) { id } }')
    gql(client, 'mutation($r: String!) { recordRun(input: {runId: $r, job: "train", '
                'runKind: TRAINING}) { id } }', r=f"train-{model}")  # fmt: skip
    first = {"key": f"eval-{model}", "modelVersion": v1, "metrics": {"auc": 0.7}}
    gql(client, RECORD_EVALUATION, input=first)
    before, snapshot = audit_count(clean_graph), graph_snapshot(clean_graph)
    # recordEvaluation writes its run and its evaluation, then finds each refused: a training
    # run's kind overwritten, a new run created and a recorded evaluation's metrics replaced,
    # all inside the transaction that is then rolled back with no audit event.
    for attempt, wanted in (
        ({**first, "key": f"eval-{model}-b", "runId": f"train-{model}"}, "not an evaluation run"),
        ({**first, "metrics": {"auc": 0.99}, "runId": f"fresh-{model}"}, "already recorded"),
    ):
        code, message = _code(post(client, RECORD_EVALUATION, input=attempt))
        assert code == "FAILED_PRECONDITION" and wanted in message, message
        assert (audit_count(clean_graph), graph_snapshot(clean_graph)) == (before, snapshot)
    records, _, _ = clean_graph.execute_query(
        "MATCH (r:Run) WHERE r.key IN $keys RETURN r.key AS key, r.run_kind AS kind",
        keys=[f"train-{model}", f"fresh-{model}"],
    )
    assert [r.data() for r in records] == [{"key": f"train-{model}", "kind": "training"}]
