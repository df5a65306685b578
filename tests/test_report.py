"""Q7: the compliance report, through GraphQL, the HTTP endpoint and `lineage report`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.demo import generate
from lineage_catalog.demo_lifecycle import CARDS, record_demo_lifecycle
from lineage_catalog.reporting import REPORT_QUERY
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph, open_driver
from tests.expectations import Expected
from tests.governance_helpers import account_token
from tests.graphql_client import gql
from tests.test_questions import load


async def _governed(settings: Settings) -> None:
    driver = open_driver(settings)
    try:
        await record_demo_lifecycle(Graph(driver, database=settings.neo4j_database))
    finally:
        await driver.close()


@pytest.fixture(scope="module")
def demo(settings: Settings, driver: Driver) -> Iterator[Expected]:
    catalog = generate(seed=5, predictions=200)
    load(settings, catalog)
    asyncio.run(_governed(settings))  # KPIs, model cards, a pending promotion request
    yield Expected(catalog, now=datetime.now(UTC))


def _trained_version(client: TestClient) -> str:
    found = gql(client, "{ nodes(kind: MODEL_VERSION, first: 50) { edges { node { key } } } }")
    keys = [e["node"]["key"] for e in found["nodes"]["edges"]]
    return next(k for k in keys if k.startswith("credit-risk@"))


def test_the_report_is_the_catalogs_own_answers(app_client: TestClient, demo: Expected) -> None:
    mv = _trained_version(app_client)
    change = """mutation($v: String!) { registerModelVersion(
        input: {model: "credit-risk", version: $v, artifactUri: "s3://moved"}) { key } }"""
    gql(app_client, change, v=mv.split("@")[1])
    report = gql(app_client, REPORT_QUERY, mv=mv)["complianceReport"]
    repro = gql(app_client, """query($mv: String!) { reproducibility(modelVersion: $mv) {
        parameters environment trainingRun { key } codeCommit { key } } }""", mv=mv)  # fmt: skip
    assert report["reproducibility"] == repro["reproducibility"]
    upstream = gql(app_client, """query($id: ID!) { classificationsUpstream(id: $id) {
        classification holder { id } path } }""", id=f"ModelVersion:{mv}")  # fmt: skip
    assert report["classificationsUpstream"] == upstream["classificationsUpstream"]
    assert "PII" in {c["classification"] for c in report["classificationsUpstream"]}
    lineage = report["lineage"]
    assert lineage["trainingRun"]["key"] == repro["reproducibility"]["trainingRun"]["key"]
    assert all(d["contentHash"].startswith("sha256:") for d in lineage["datasetVersions"])
    assert lineage["owners"], "the upstream things have owners in the demo"
    # The audit trail covers the model's own changes.
    assert any(
        e["target"] == f"ModelVersion:{mv}" and e["action"] == "register.ModelVersion"
        for e in report["auditTrail"]
    )
    # KPIs against the version's evaluations, its card and its approvals: as their own queries.
    card = gql(app_client, """query($mv: String!) { modelCard(modelVersion: $mv) {
        intendedUse businessGoal stakeholders knownRisks failureModes fairnessEvaluations
        limitations updatedAt updatedBy kpis { metric threshold direction value met }
        evaluations { key slice metrics createdAt } } }""", mv=mv)["modelCard"]  # fmt: skip
    assert report["modelCard"] == card
    assert card["intendedUse"] == CARDS["credit-risk"].intended_use
    assert {k["metric"] for k in card["kpis"]} == {"auc", "ks"}
    assert card["evaluations"] and all(k["value"] is not None for k in card["kpis"])
    approvals = gql(app_client, """query($mv: String!) { approvals(modelVersion: $mv) {
        key status toStage requestedBy requestedAt requestReason decidedBy decidedAt
        decisionReason } }""", mv=mv)["approvals"]  # fmt: skip
    assert report["approvals"] == approvals
    staging = gql(app_client, '{ modelVersion(key: "credit-risk@4") { stage } }')
    assert staging["modelVersion"]["stage"] == "staging"
    pending = gql(app_client, """{ complianceReport(modelVersion: "credit-risk@4") {
        approvals { status requestedBy } } }""")["complianceReport"]["approvals"]  # fmt: skip
    assert pending == [{"status": "pending", "requestedBy": "Person:maya.chen@acme.example"}]
    assert gql(app_client, '{ complianceReport(modelVersion: "nope@1") { generatedAt } }') == {
        "complianceReport": None
    }


def test_a_champion_whose_serving_is_imported_history_says_so(
    app_client: TestClient, demo: Expected
) -> None:
    # The demo's champion credit-risk@2 never went through an approval in the catalog: its
    # serving is generated history, and the report must not read as if nothing was asked.
    report = gql(app_client, """{ complianceReport(modelVersion: "credit-risk@2") {
        approvals { key } importedServing { role validTo deployment { key } } } }""")[
        "complianceReport"
    ]  # fmt: skip
    assert report["approvals"] == []
    assert {"role": "champion", "validTo": None,
            "deployment": {"key": "prod/credit-risk-api"}} in report["importedServing"]  # fmt: skip
    text = app_client.get(
        "/api/v1/reports/compliance/credit-risk@2", params={"format": "markdown"}
    ).text
    assert "History imported, no approval on record" in text and "_No request._" not in text


def test_the_report_as_markdown_and_html_over_http(app_client: TestClient, demo: Expected) -> None:
    mv = _trained_version(app_client)
    reader = account_token(app_client, "Person:auditor@r.example", ["reader"])
    headers = {"Authorization": f"Bearer {reader}"}
    url = f"/api/v1/reports/compliance/{mv}"
    markdown = app_client.get(url, params={"format": "markdown"}, headers=headers)
    assert markdown.status_code == 200, markdown.text
    text = markdown.text
    for heading in ("# Compliance report: " + mv, "## Lineage", "## Sensitive data upstream",
                    "## Owners", "## Reproducibility", "## Audit trail", "## KPIs",
                    "## Evaluations", "## Model card", "## Approvals"):  # fmt: skip
        assert heading in text
    assert "| PII |" in text
    page = app_client.get(url, headers=headers)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"<h1>Compliance report: {mv}</h1>" in page.text and "<table>" in page.text
    as_json = app_client.get(url, params={"format": "json"}, headers=headers).json()
    assert as_json["modelVersion"]["key"] == mv
    assert app_client.get("/api/v1/reports/compliance/nope@1", headers=headers).status_code == 404
    assert app_client.get(url, headers={"Authorization": ""}).status_code == 401


def test_lineage_report_writes_the_document(
    app_client: TestClient, demo: Expected, settings: Settings, tmp_path: object
) -> None:
    mv = _trained_version(app_client)
    env = {**os.environ, "LINEAGE_NEO4J_URI": settings.neo4j_uri}
    done = subprocess.run(
        [sys.executable, "-m", "lineage_catalog.cli", "report", mv],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"# Compliance report: {mv}")
    missing = subprocess.run(
        [sys.executable, "-m", "lineage_catalog.cli", "report", "nope@1"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert missing.returncode == 2 and "no model version" in missing.stderr
