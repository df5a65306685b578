"""Q7: the compliance report, through GraphQL, the HTTP endpoint and `lineage report`."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver
from pypdf import PdfReader

from lineage_catalog.app import create_app
from lineage_catalog.demo import generate
from lineage_catalog.demo_lifecycle import CARDS, record_demo_lifecycle
from lineage_catalog.demo_monitoring import (
    MONITOR,
    NEW_VERSION,
    REFERENCE_COUNTS,
    record_demo_monitoring,
    weekly_counts,
)
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
        graph = Graph(driver, database=settings.neo4j_database)
        await record_demo_lifecycle(graph)
        await record_demo_monitoring(graph)  # the drift story: credit-risk@5 answers it
    finally:
        await driver.close()


@pytest.fixture(scope="module")
def demo(settings: Settings, driver: Driver) -> Iterator[Expected]:
    catalog = generate(seed=5, predictions=200)
    load(settings, catalog)
    asyncio.run(_governed(settings))  # KPIs, model cards, promotion requests, monitoring
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


def _recomputed_hash(report: dict[str, object]) -> str:
    """The documented rule, written out again: the JSON without `document`, keys sorted,
    no spaces, UTF-8, SHA-256."""
    content = {k: v for k, v in report.items() if k != "document"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_report_identifies_itself_in_its_footer(
    app_client: TestClient, demo: Expected, driver: Driver
) -> None:
    url = "/api/v1/reports/compliance/credit-risk@2"
    as_json = app_client.get(url, params={"format": "json"}).json()
    document = as_json["document"]
    assert document["contentSha256"] == _recomputed_hash(as_json)
    assert re.fullmatch(r"CR-\d{8}T\d{6}Z-[0-9a-f]{12}", document["id"]), document
    assert document["id"].endswith(document["contentSha256"][:12])
    chain = document["auditChain"]
    (head,) = driver.execute_query(
        "MATCH (c:AuditChain {id: 'main'}) RETURN c.seq AS seq, c.hash AS hash"
    ).records
    assert chain["verified"] is True and chain["problem"] is None
    assert (chain["headSeq"], chain["headHash"]) == (head["seq"], head["hash"])
    assert chain["eventsVerified"] == head["seq"]
    assert document["generatedBy"].startswith("Person:")
    assert document["catalogVersion"] not in ("", None)

    # Every rendering is a new document (its own time, id and hash), with the same footer.
    page = app_client.get(url).text
    footer = page[page.index("<footer>") : page.index("</footer>")]
    found = re.search(r"<td>document id</td><td>(CR-\d{8}T\d{6}Z-([0-9a-f]{12}))</td>", footer)
    assert found, footer
    assert f"<td>content SHA-256</td><td>{found.group(2)}" in footer
    for value in (chain["headHash"], "verified:", "generated by", document["catalogVersion"]):
        assert value in footer, value
    assert found.group(1) in page[: page.index("</style>")], "the id at the foot of each page"
    assert "@media print" in page and "counter(pages)" in page
    markdown = app_client.get(url, params={"format": "markdown"}).text
    assert "## Document" in markdown and "| content SHA-256 |" in markdown


def test_the_report_shows_values_people_read(app_client: TestClient, demo: Expected) -> None:
    mv = _trained_version(app_client)
    text = app_client.get(f"/api/v1/reports/compliance/{mv}", params={"format": "markdown"}).text
    assert "✓ met" in text or "✗ not met" in text
    assert "| True |" not in text and "| False |" not in text
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", text), "times to the second"
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", text)
    assert "{" not in text.split("## Document")[0], "no raw JSON in the report's tables"
    # Names next to ids, and runs with their job and time.
    assert re.search(r"\| [^|(]+ \(\S+@acme\.example\) \| Person \|", text), text
    lineage = text[text.index("## Lineage") : text.index("## Sensitive data upstream")]
    assert "started 20" in lineage or "| 20" in lineage
    # Each classification once per path, the path as a chain of names.
    section = text[text.index("## Sensitive data upstream") : text.index("## Owners")]
    rows = [line for line in section.splitlines() if line.startswith("| PII")]
    assert rows and len(rows) == len(set(rows)), rows
    assert all("→" in row for row in rows)
    assert "DatasetVersion:" not in section


def test_the_report_as_pdf_over_http_and_from_the_cli(
    app_client: TestClient, demo: Expected, settings: Settings, tmp_path: Path
) -> None:
    response = app_client.get("/api/v1/reports/compliance/credit-risk@2", params={"format": "pdf"})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    for section in (
        "Compliance report: credit-risk@2",
        "KPIs",
        "Lineage",
        "Owners",
        "Sensitive data upstream",
        "Audit trail",
        "Document",
        "content SHA-256",
    ):
        assert section in text, section  # fmt: skip
    assert "page 1 of" in text
    assert len(pdf.pages) >= 2

    out = tmp_path / "report.pdf"
    env = {**os.environ, "LINEAGE_NEO4J_URI": settings.neo4j_uri}
    done = subprocess.run(
        [sys.executable, "-m", "lineage_catalog.cli", "report", "credit-risk@2", "--format",
         "pdf", "--output", str(out)],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Document" in "\n".join(p.extract_text() for p in PdfReader(out).pages)


def test_no_pdf_printer_is_a_clear_503(
    app_client: TestClient, demo: Expected, settings: Settings, auth_headers: dict[str, str]
) -> None:
    broken = settings.model_copy(update={"chromium_path": "/nonexistent/chromium"})
    with TestClient(create_app(broken), headers=auth_headers) as client:
        response = client.get("/api/v1/reports/compliance/credit-risk@2", params={"format": "pdf"})
    assert response.status_code == 503
    assert response.json()["code"] == "UNAVAILABLE"
    assert "chromium" in response.json()["error"]


# --- the monitoring section -----------------------------------------------------------------


def _oracle_psi(reference: tuple[int, ...], current: tuple[int, ...]) -> float:
    """PSI from its documented definition (half a count in every bin), written out here."""
    k = len(reference)
    p = [(r + 0.5) / (sum(reference) + 0.5 * k) for r in reference]
    q = [(c + 0.5) / (sum(current) + 0.5 * k) for c in current]
    return sum((qi - pi) * math.log(qi / pi) for pi, qi in zip(p, q, strict=True))


def _section(text: str) -> str:
    """The Markdown monitoring section: from its heading to the next `## `."""
    start = text.index("## Monitoring\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_monitoring_section_tells_the_drift_story(
    app_client: TestClient, demo: Expected
) -> None:
    url = f"/api/v1/reports/compliance/{NEW_VERSION}"
    data = app_client.get(url, params={"format": "json"}).json()
    (monitor,) = [m for m in data["monitoring"]["monitors"] if m["monitor"]["key"] == MONITOR]
    assert monitor["monitor"]["owner"] == "ServiceAccount:drift-monitor"
    values = [o["value"] for o in monitor["observations"]]
    expected = [_oracle_psi(REFERENCE_COUNTS, week) for week in weekly_counts()]
    assert values == pytest.approx(expected, rel=1e-9)
    assert values == sorted(values) and values[-1] > 0.25 > values[-2]  # rising, one breach
    assert [o["breached"] for o in monitor["observations"]] == [False] * 5 + [True]
    (incident,) = data["monitoring"]["incidents"]
    assert incident["automatic"] and incident["status"] == "RESOLVED"
    assert [t["status"] for t in incident["history"]] == ["OPEN", "ACKNOWLEDGED", "RESOLVED"]
    assert incident["history"][1]["reason"].startswith("I observed that the model data")
    assert incident["fixedBy"] == [{"id": f"ModelVersion:{NEW_VERSION}"}]
    training = data["lineage"]["trainingRun"]["key"]
    assert [r["id"] for r in incident["addressedBy"]] == [f"Run:{training}"]
    assert [c["action"] for c in incident["citedBy"]] == [
        "serving.deploy",
        "approval.request",
        "approval.approve",
    ]
    (approval,) = data["approvals"]
    assert approval["status"] == "approved" and approval["requestedBy"] != approval["decidedBy"]

    text = app_client.get(url, params={"format": "markdown"}).text
    section = _section(text)
    assert f"### Observations of {MONITOR} (psi)" in section
    rows = [line for line in section.splitlines() if line.startswith("| 2026-")]
    assert len(rows) == len(values)
    assert "### Retrained because" in section and f"Run:{training}" in section
    assert "approval.approve by Person:tomas.rivera@acme.example" in section
    assert f"fixed by ModelVersion:{NEW_VERSION}" in section


def test_the_html_report_charts_each_monitor_inline(app_client: TestClient, demo: Expected) -> None:
    url = f"/api/v1/reports/compliance/{NEW_VERSION}"
    monitors = app_client.get(url, params={"format": "json"}).json()["monitoring"]["monitors"]
    page = app_client.get(url).text
    assert monitors and page.count("<svg") == len(monitors)
    for chart in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        assert "<polyline" in chart and "<circle" in chart
    # Nothing the page's CSP forbids: no external reference anywhere in the page.
    assert not re.search(r"(?:src|href|xlink:href)\s*=|url\(|@import|<script", page)
