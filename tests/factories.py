"""Test data built the way users build it: through the API's own commands, so every rule
that guards a write also guards the fixtures (no raw path that skips them)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.demo import load_demo
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import open_driver
from lineage_catalog.store.migrations import load_migrations
from tests.conftest import TEST_ACTOR
from tests.governance_helpers import post_as
from tests.graphql_client import gql

_KPIS = "query($m: String!) { modelKpis(model: $m) { metric threshold direction } }"
_SET_KPIS = """mutation($m: String!) {
  setModelKpis(model: $m, kpis: [{metric: "auc", threshold: 0.5}], reason: "test KPIs") {
    metric threshold direction } }"""
_EVALUATE = """mutation($input: EvaluationInput!) { recordEvaluation(input: $input) { id } }"""
_STAGE = "query($mv: String!) { modelVersion(key: $mv) { stage } }"
_STAGING = """mutation($mv: String!) {
  transitionStage(modelVersion: $mv, stage: STAGING, reason: "ready for review") { stage } }"""
_REQUEST = """mutation($mv: String!) {
  requestPromotion(modelVersion: $mv, reason: "meets its KPIs") { key } }"""
_APPROVE = """mutation($a: String!) {
  approvePromotion(approval: $a, reason: "KPIs met") { status } }"""
_CHALLENGER = """mutation($input: ServingInput!) { recordServing(input: $input) { key } }"""
_PROMOTE = """mutation($d: String!, $mv: String!) {
  promoteToChampion(deployment: $d, modelVersion: $mv, reason: "warmed up") { key } }"""


def _meeting(kpi: dict[str, Any]) -> float:
    threshold = float(kpi["threshold"])
    return threshold + 0.01 if kpi["direction"] == "AT_LEAST" else threshold


def promote_to_production(client: TestClient, approver_token: str, model_version: str) -> None:
    """Take a registered version to production: KPIs (kept when the model has some), an
    evaluation meeting them, staging, a promotion requested by the client's admin and
    approved by the other person (four eyes)."""
    model = model_version.rsplit("@", 1)[0]
    if gql(client, _STAGE, mv=model_version)["modelVersion"]["stage"] == "production":
        return
    kpis = (
        gql(client, _KPIS, m=model)["modelKpis"] or gql(client, _SET_KPIS, m=model)["setModelKpis"]
    )
    metrics = {k["metric"]: _meeting(k) for k in kpis}
    key = f"factory-eval-{model_version.replace('@', '-')}"
    gql(client, _EVALUATE, input={"key": key, "modelVersion": model_version, "metrics": metrics})
    gql(client, _STAGING, mv=model_version)
    approval = gql(client, _REQUEST, mv=model_version)["requestPromotion"]["key"]
    body = post_as(client, approver_token, _APPROVE, a=approval)
    assert "errors" not in body, body


def make_champion(
    client: TestClient, approver_token: str, *, deployment: str, model_version: str,
    challenger_since: datetime | None = None,
) -> None:  # fmt: skip
    """Make a version champion at a deployment through the lifecycle: production (see
    promote_to_production), a challenger warmed up since `challenger_since` (two days ago
    by default), then promoteToChampion by the approver. The champion starts now."""
    promote_to_production(client, approver_token, model_version)
    since = challenger_since or datetime.now(UTC) - timedelta(days=2)
    gql(client, _CHALLENGER, input={
        "deployment": deployment, "modelVersion": model_version, "role": "CHALLENGER",
        "trafficShare": 0.1, "validFrom": since.isoformat(), "reason": "warm-up",
    })  # fmt: skip
    body = post_as(client, approver_token, _PROMOTE, d=deployment, mv=model_version)
    assert "errors" not in body, body


def load_demo_catalog(settings: Settings) -> None:
    """Replace the test graph's catalog with the demo, as `lineage demo load` does (seed 7)."""

    async def run() -> None:
        async_driver = open_driver(settings)
        try:
            await load_demo(
                async_driver, database=settings.neo4j_database, seed=7, actor=TEST_ACTOR
            )
        finally:
            await async_driver.close()

    asyncio.run(run())


def apply_migration_twice(driver: Driver, name: str) -> None:
    """Run the migration named `name` again, twice, on what the test arranged: migrations
    must be idempotent. Statements run auto-commit, as `CALL ... IN TRANSACTIONS` needs."""
    (migration,) = [m for m in load_migrations() if m.name == name]
    for _ in range(2):
        for statement in migration.statements:
            with driver.session() as session:
                session.run(statement).consume()
