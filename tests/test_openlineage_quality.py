"""OpenLineage data quality against the real API and Neo4j: dataQualityMetrics,
dataQualityAssertions and the `test` run facet become observations of the monitors that
watch the dataset (or the version the event names), breaches open incidents, failed checks
are read back with name, column, expected and actual, unwatched metrics too; the same event
again writes nothing new; any arrival order gives the same graph; bad facet content is a
400 naming the field with nothing written; the docs' examples run."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.store.files import query_text
from tests import test_openlineage
from tests.fingerprint import fingerprint, graph_rows
from tests.governance_helpers import account_token, audit_count, audit_events, post_as
from tests.graphql_client import gql, post

server_url = test_openlineage.server_url  # the real uvicorn, for concurrent senders
PRODUCER = "https://example.com/lineage-catalog-tests/quality"
NS = "postgres://db:5432"
DATASET = f"Dataset:{NS}/public.loans"
VERSION_KEY = f"{NS}/public.loans@v1"
REGISTER = "mutation($input: MonitorInput!) { registerMonitor(input: $input) { key } }"
QUALITY = """query($key: String!, $failed: Boolean!) { datasetVersion(key: $key) {
  qualityChecks(failedOnly: $failed) {
    name status column expected actual severity failures source runId reportedAt run { key } }
  qualityMetrics { metric column value runId reportedAt } } }"""
OBSERVATIONS = """MATCH (o:Observation)-[:OBSERVATION_OF]->(m:Monitor)
RETURN m.key AS monitor, o.value AS value, o.observed_at AS at, o.source AS source,
       o.details_json AS details ORDER BY monitor, at"""
INCIDENTS = "{ incidents(first: 50) { edges { node { key status monitor about { id } } } } }"


def _at(minute: int) -> str:
    return f"2026-05-02T06:{minute:02d}:00Z"


def _input(name: str = "public.loans", *, version: str | None = "v1",
           metrics: dict[str, Any] | None = None,
           assertions: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    item: dict[str, Any] = {"namespace": NS, "name": name, "facets": {}}
    if version is not None:
        item["facets"]["version"] = {"datasetVersion": version}
    facets: dict[str, Any] = {}
    if metrics is not None:
        facets["dataQualityMetrics"] = metrics
    if assertions is not None:
        facets["dataQualityAssertions"] = {"assertions": assertions}
    if facets:
        item["inputFacets"] = facets
    return item


def _event(run: str, minute: int, *, inputs: list[dict[str, Any]], kind: str = "COMPLETE",
           tests: list[dict[str, Any]] | None = None,
           outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    event: dict[str, Any] = {
        "eventType": kind, "eventTime": _at(minute), "producer": PRODUCER,
        "run": {"runId": run, "facets": {"test": {"tests": tests}} if tests else {}},
        "job": {"namespace": "ge", "name": f"suite-{run}"}, "inputs": inputs,
    }  # fmt: skip
    if outputs is not None:
        event["outputs"] = outputs
    return event


def _send(client: TestClient, event: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _monitor(client: TestClient, key: str, target: str, metric: str, threshold: float,
             column: str | None = None, **more: Any) -> None:  # fmt: skip
    gql(client, REGISTER, input={"key": key, "target": target, "type": "DATA_QUALITY",
                                 "metric": metric, "threshold": threshold, "column": column,
                                 **more})  # fmt: skip


def _after(event: dict[str, Any]) -> dict[str, Any]:
    after = event["after"]
    found: dict[str, Any] = json.loads(after) if isinstance(after, str) else after
    return found


def _observations(driver: Driver) -> list[dict[str, Any]]:
    rows, _, _ = driver.execute_query(OBSERVATIONS)
    return [{**r.data(), "at": r["at"].iso_format(), "details": json.loads(r["details"])}
            for r in rows]  # fmt: skip


METRICS = {"rowCount": 1000, "bytes": 52_000, "fileCount": 3, "columnMetrics": {
    "income": {"nullCount": 80, "distinctCount": 700, "sum": 5e7, "count": 920, "min": -12.5,
               "max": 250_000, "quantiles": {"0.5": 41_000, "0.9": 90_000}},
    "age": {"nullCount": 0, "min": 18, "max": 90}}}  # fmt: skip
ASSERTIONS = [
    {"assertion": "not_null", "column": "income", "success": False, "failures": 80,
     "severity": "error", "properties": {"expected": 0, "actual": 80}},
    {"assertion": "between", "column": "age", "success": True},
    {"assertion": "unique", "column": "income", "success": False, "expected": "700 distinct",
     "actual": "699 distinct"},
]  # fmt: skip
TESTS = [
    {"name": "assert_income_positive", "status": "fail", "severity": "warn",
     "expected": ">= 0", "actual": -12.5},
    {"name": "assert_rows", "status": "pass", "expected": "1000"},
    {"name": "assert_skipped", "status": "skip"},
]  # fmt: skip


def test_metrics_and_checks_become_observations_of_the_monitors_watching_them(
    client: TestClient, clean_graph: Driver
) -> None:
    _send(client, _event("dq-1", 0, inputs=[_input()], kind="START"))
    version = f"DatasetVersion:{VERSION_KEY}"
    _monitor(client, "nulls", DATASET, "null_rate", 0.05, column="income")
    _monitor(client, "rows", DATASET, "row_count", 500, direction="BELOW")
    _monitor(client, "median", version, "quantile_0.5", 50_000, column="income")
    _monitor(client, "checks", version, "failed_assertions", 0, severity="HIGH")
    _monitor(client, "income-checks", DATASET, "failed_assertions", 1, column="income")
    _monitor(client, "age-checks", DATASET, "failed_assertions", 0, column="age")
    _monitor(client, "other-column", DATASET, "null_rate", 0.05, column="no_such_column")
    gql(client, REGISTER, input={"key": "drift", "target": DATASET, "type": "DATA_DRIFT",
                                 "metric": "psi", "column": "income", "threshold": 0.1,
                                 "reference": version})  # fmt: skip
    before = audit_count(clean_graph)
    _send(client, _event("dq-1", 5, inputs=[_input(metrics=METRICS, assertions=ASSERTIONS)],
                         tests=TESTS))  # fmt: skip
    found = {o["monitor"]: o for o in _observations(clean_graph)}
    assert {k: o["value"] for k, o in found.items()} == {
        "nulls": 80 / 1000, "rows": 1000.0, "median": 41_000.0,
        "checks": 3.0,  # not_null, unique and the failed test; the skipped one did not fail
        "income-checks": 2.0, "age-checks": 0.0,
    }  # fmt: skip
    assert {o["source"] for o in found.values()} == {"openlineage"}
    assert {o["at"] for o in found.values()} == {"2026-05-02T06:05:00.000000000+00:00"}
    assert found["checks"]["details"] == {
        "source": "openlineage", "run": "dq-1", "job": "ge/suite-dq-1",
        "event_type": "COMPLETE", "dataset": f"{NS}/public.loans", "dataset_version": VERSION_KEY,
        "metric": "failed_assertions", "column": None,
    }  # fmt: skip
    # Breaches opened incidents about each monitor's target (income-checks: 2 is above 1).
    incidents = {e["node"]["monitor"]: e["node"] for e in
                 gql(client, INCIDENTS)["incidents"]["edges"]}  # fmt: skip
    assert sorted(incidents) == ["checks", "income-checks", "nulls"]
    assert incidents["checks"]["about"] == [{"id": version}]
    assert incidents["nulls"]["about"] == [{"id": DATASET}]
    # One audit event for the event, one per observation, one per incident opened.
    assert audit_count(clean_graph) - before == 1 + 6 + 3
    (event,) = audit_events(clean_graph, action="openlineage.run_event")[-1:]
    quality = _after(event)["quality"]
    assert len(quality["observations"]) == 6 and len(quality["incidents"]) == 3
    assert quality["conflicts"] == []


def test_failed_checks_and_unwatched_metrics_are_read_back_on_the_version(
    client: TestClient, clean_graph: Driver
) -> None:
    _send(client, _event("dq-1", 5, inputs=[_input(metrics=METRICS, assertions=ASSERTIONS)],
                         tests=TESTS))  # fmt: skip
    # A second run reads the dataset without naming a version: the catalog resolves it to
    # the one version it knows, v1 (no run generated any), and keeps its report apart on
    # its own link; and a run that reads nothing tests what it wrote.
    fresh = {"assertion": "fresh", "success": False, "expected": "< 1 day", "actual": "3 days"}
    _send(client, _event("dq-2", 9, inputs=[_input(version=None, assertions=[fresh])]))
    scores = {"namespace": NS, "name": "public.scores",
              "facets": {"version": {"datasetVersion": "s1"}}}  # fmt: skip
    tested = [{"name": "scores_not_empty", "status": "error", "actual": 0}]
    _send(client, _event("writer", 7, inputs=[], outputs=[scores], tests=tested))
    failed = gql(client, QUALITY, key=VERSION_KEY, failed=True)["datasetVersion"]
    checks = [(c["name"], c["column"], c["expected"], c["actual"], c["runId"], c["reportedAt"])
              for c in failed["qualityChecks"]]  # fmt: skip
    assert sorted(checks) == sorted([
        ("fresh", None, "< 1 day", "3 days", "dq-2", "2026-05-02T06:09:00+00:00"),
        ("not_null", "income", "0", "80", "dq-1", "2026-05-02T06:05:00+00:00"),
        ("unique", "income", "700 distinct", "699 distinct", "dq-1", "2026-05-02T06:05:00+00:00"),
        ("assert_income_positive", None, ">= 0", "-12.5", "dq-1", "2026-05-02T06:05:00+00:00"),
    ])  # fmt: skip
    both = gql(client, QUALITY, key=VERSION_KEY, failed=False)["datasetVersion"]
    seen = {(c["name"], c["status"], c["source"], c["run"]["key"]) for c in both["qualityChecks"]}
    assert seen == {
        ("not_null", "fail", "dataQualityAssertions", "dq-1"),
        ("between", "pass", "dataQualityAssertions", "dq-1"),
        ("unique", "fail", "dataQualityAssertions", "dq-1"),
        ("assert_income_positive", "fail", "test", "dq-1"),
        ("assert_rows", "pass", "test", "dq-1"),
        ("assert_skipped", "skip", "test", "dq-1"),
        ("fresh", "fail", "dataQualityAssertions", "dq-2"),
    }
    assert both["qualityChecks"][0]["name"] == "fresh"  # newest report first
    not_null = next(c for c in both["qualityChecks"] if c["name"] == "not_null")
    assert (not_null["severity"], not_null["failures"]) == ("error", 80)
    metrics = {(m["metric"], m["column"]): m["value"] for m in both["qualityMetrics"]}
    assert metrics == {
        ("row_count", None): 1000, ("bytes", None): 52_000, ("file_count", None): 3,
        ("null_count", "age"): 0, ("min", "age"): 18, ("max", "age"): 90,
        ("null_rate", "age"): 0.0, ("null_count", "income"): 80,
        ("distinct_count", "income"): 700, ("sum", "income"): 5e7, ("count", "income"): 920,
        ("min", "income"): -12.5, ("max", "income"): 250_000, ("null_rate", "income"): 0.08,
        ("quantile_0.5", "income"): 41_000, ("quantile_0.9", "income"): 90_000,
    }  # fmt: skip
    written = gql(client, QUALITY, key=f"{NS}/public.scores@s1", failed=True)["datasetVersion"]
    assert [(c["name"], c["status"], c["actual"]) for c in written["qualityChecks"]] == [
        ("scores_not_empty", "fail", "0")]  # fmt: skip
    # No monitor watched anything: no observation, yet nothing was lost.
    assert _observations(clean_graph) == []


def test_a_monitor_on_a_version_receives_only_events_that_name_it(
    client: TestClient, clean_graph: Driver
) -> None:
    _send(client, _event("dq-1", 0, inputs=[_input()], kind="START"))
    _monitor(client, "version-rows", f"DatasetVersion:{VERSION_KEY}", "row_count", 0)
    _monitor(client, "dataset-rows", DATASET, "row_count", 0)
    # An implicit read of the same dataset resolves to v1 today, but may move later: only
    # the dataset's monitor receives its value.
    _send(client, _event("dq-2", 9, inputs=[_input(version=None, metrics={"rowCount": 7})]))
    _send(client, _event("dq-1", 5, inputs=[_input(metrics={"rowCount": 5})]))
    found = [(o["monitor"], o["value"]) for o in _observations(clean_graph)]
    assert found == [("dataset-rows", 5.0), ("dataset-rows", 7.0), ("version-rows", 5.0)]


def test_the_same_event_again_writes_nothing_new(client: TestClient, clean_graph: Driver) -> None:
    _send(client, _event("dq-1", 0, inputs=[_input()], kind="START"))
    _monitor(client, "checks", DATASET, "failed_assertions", 0)
    event = _event("dq-1", 5, inputs=[_input(metrics=METRICS, assertions=ASSERTIONS)],
                   tests=TESTS)  # fmt: skip
    _send(client, event)
    graph = fingerprint(clean_graph, with_audit=False)
    observed = _observations(clean_graph)
    before = audit_count(clean_graph)
    _send(client, event)
    assert fingerprint(clean_graph, with_audit=False) == graph
    assert _observations(clean_graph) == observed
    assert audit_count(clean_graph) == before + 1  # the event's own audit event only
    (last,) = audit_events(clean_graph, action="openlineage.run_event")[-1:]
    assert _after(last)["quality"] == {
        "observations": [], "incidents": [], "conflicts": []}  # fmt: skip


def _pipeline() -> list[dict[str, Any]]:
    """Three runs' START and COMPLETE events with quality facets: a producer of two versions
    of public.loans, and two checkers reading it (one by name, one implicitly)."""
    out = [{"namespace": NS, "name": "public.loans", "facets": {}}]
    events = [
        _event("load-1", 0, inputs=[], outputs=out, kind="START"),
        _event("load-1", 2, inputs=[], outputs=out),
        _event("load-2", 20, inputs=[], outputs=out, kind="START"),
        _event("load-2", 22, inputs=[], outputs=out),
    ]
    for run, start, version in (("check-a", 5, "load-1"), ("check-b", 25, None)):
        for kind, minute, failing in (("START", start, 1), ("COMPLETE", start + 3, 2)):
            events.append(_event(run, minute, kind=kind, tests=TESTS[:failing], inputs=[
                _input(version=version, metrics={"rowCount": 100 * failing,
                       "columnMetrics": {"income": {"nullCount": failing}}},
                       assertions=ASSERTIONS[:failing])]))  # fmt: skip
    return events


def _wipe(driver: Driver) -> None:
    with driver.session() as session:
        session.run(query_text("admin/wipe_catalog")).consume()


def _load(
    client: TestClient, driver: Driver, events: list[dict[str, Any]],
    send_with: Callable[[], None] | None = None,
) -> tuple[list[str], Any]:  # fmt: skip
    _wipe(driver)
    _send(client, _event("seed", 0, inputs=[], kind="START", outputs=[
        {"namespace": NS, "name": "public.loans", "facets": {}}]))  # fmt: skip
    # Monitors that never breach: the observations, not the incidents, are compared here.
    _monitor(client, "rows", DATASET, "row_count", 0, direction="BELOW")
    _monitor(client, "nulls", DATASET, "null_count", 1e9, column="income")
    _monitor(client, "checks", DATASET, "failed_assertions", 1e9)
    if send_with is not None:  # the events sent some other way
        send_with()
    for event in events:
        _send(client, event)
    quality = {
        key: gql(client, QUALITY, key=key, failed=False)["datasetVersion"]
        for key in (f"{NS}/public.loans@load-1", f"{NS}/public.loans@load-2")
    }
    return _graph(driver), (_observations(driver), quality)


def _graph(driver: Driver) -> list[str]:
    """The graph without the audit trail, and without when each monitor was registered (the
    monitors are registered anew for each load)."""
    lines = []
    for line in graph_rows(driver, with_audit=False):
        row = json.loads(line)
        if row[0] == "node" and row[1] == ["Monitor"]:
            row[2].pop("created_at", None)
        lines.append(json.dumps(row))
    return sorted(lines)


def test_any_arrival_order_gives_the_same_observations_and_checks(
    client: TestClient, clean_graph: Driver
) -> None:
    events = _pipeline()
    reference = _load(client, clean_graph, events)
    observed, quality = reference[1]
    assert len(observed) == 12  # 3 monitors x 2 checkers x (START, COMPLETE)
    # check-b read load-2's version implicitly, check-a load-1's by name.
    assert {c["runId"] for c in quality[f"{NS}/public.loans@load-1"]["qualityChecks"]} == {
        "check-a"}  # fmt: skip
    assert {c["runId"] for c in quality[f"{NS}/public.loans@load-2"]["qualityChecks"]} == {
        "check-b"}  # fmt: skip
    assert _load(client, clean_graph, events[::-1]) == reference, "reversed"
    for seed in range(3):
        shuffled = random.Random(seed).sample(events, len(events))
        assert _load(client, clean_graph, shuffled) == reference, f"shuffle {seed}"
    assert _load(client, clean_graph, [e for e in events for _ in range(2)]) == reference


def test_concurrent_senders_give_the_same_observations_and_checks(
    server_url: str, client: TestClient, clean_graph: Driver, auth_headers: dict[str, str]
) -> None:
    events = _pipeline()
    reference = _load(client, clean_graph, events)
    for seed in (21, 22):
        shuffled = random.Random(seed).sample(events, len(events))
        quarters = [shuffled[i::4] for i in range(4)]

        def send(batch: list[dict[str, Any]]) -> list[int]:
            with httpx.Client(base_url=server_url, headers=auth_headers, timeout=60) as http:
                return [http.post("/api/v1/lineage", json=e).status_code for e in batch]

        def load_concurrently(quarters: list[list[dict[str, Any]]] = quarters) -> None:
            with ThreadPoolExecutor(max_workers=4) as pool:
                codes = [c for batch in pool.map(send, quarters) for c in batch]
            assert codes == [201] * len(events)

        assert _load(client, clean_graph, [], send_with=load_concurrently) == reference, seed


def test_another_value_at_the_same_time_is_kept_out_and_audited(
    client: TestClient, clean_graph: Driver
) -> None:
    _send(client, _event("dq-1", 0, inputs=[_input()], kind="START"))
    _monitor(client, "rows", DATASET, "row_count", 0)
    _send(client, _event("dq-1", 5, inputs=[_input(metrics={"rowCount": 10})]))
    # Another run reports the dataset at the same instant with another count: it lands.
    _send(client, _event("dq-2", 5, inputs=[_input(version="v2", metrics={"rowCount": 11})]))
    assert [(o["monitor"], o["value"]) for o in _observations(clean_graph)] == [("rows", 10.0)]
    (last,) = audit_events(clean_graph, action="openlineage.run_event")[-1:]
    assert _after(last)["quality"]["conflicts"] == [
        "rows|2026-05-02T06:05:00.000000+00:00"]  # fmt: skip


BAD = [
    ("a negative count", {"metrics": {"rowCount": -1}},
     "inputs.0.inputFacets.dataQualityMetrics.rowCount"),
    ("a negative column count", {"metrics": {"columnMetrics": {"income": {"nullCount": -3}}}},
     "inputs.0.inputFacets.dataQualityMetrics.columnMetrics.income.nullCount"),
    ("more nulls than rows", {"metrics": {"rowCount": 5, "columnMetrics": {
        "income": {"nullCount": 6}}}},
     "inputs.0.inputFacets.dataQualityMetrics.columnMetrics.income.nullCount"),
    ("a metric that is not a number", {"metrics": {"columnMetrics": {"income": {"min": "low"}}}},
     "inputs.0.inputFacets.dataQualityMetrics.columnMetrics.income.min"),
    ("an assertion without success", {"assertions": [{"assertion": "not_null"}]},
     "inputs.0.inputFacets.dataQualityAssertions.assertions.0.success"),
    ("an assertion without a name", {"assertions": [{"assertion": "", "success": True}]},
     "inputs.0.inputFacets.dataQualityAssertions.assertions.0.assertion"),
    ("negative failures", {"assertions": [{"assertion": "a", "success": False,
                                           "failures": -1}]},
     "inputs.0.inputFacets.dataQualityAssertions.assertions.0.failures"),
    ("a test without a status", {"tests": [{"name": "t"}]}, "run.facets.test.tests.0.status"),
    ("tests that are not a list", {"tests": {"name": "t"}}, "run.facets.test.tests"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "bad", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_facet_content_is_a_400_naming_the_field_and_writes_nothing(
    client: TestClient, clean_graph: Driver, case: str, bad: dict[str, Any], field: str
) -> None:
    _send(client, _event("dq-1", 0, inputs=[_input()], kind="START"))
    _monitor(client, "rows", DATASET, "row_count", 0)
    graph = fingerprint(clean_graph)
    event = _event("dq-1", 5, inputs=[_input(metrics=bad.get("metrics"),
                                             assertions=bad.get("assertions"))])  # fmt: skip
    if "tests" in bad:
        event["run"]["facets"] = {"test": {"tests": bad["tests"]}}
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 400, (case, response.text)
    assert response.json()["field"] == field, response.json()
    assert fingerprint(clean_graph) == graph


def test_a_non_finite_number_is_refused(client: TestClient, clean_graph: Driver) -> None:
    graph = fingerprint(clean_graph)
    text = json.dumps(_event("dq-1", 5, inputs=[_input(metrics={"columnMetrics": {
        "income": {"max": float("inf")}}})]))  # fmt: skip
    assert "Infinity" in text
    response = client.post("/api/v1/lineage", content=text,
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 400, response.text
    assert fingerprint(clean_graph) == graph


def test_every_example_of_the_docs_section_runs(client: TestClient, clean_graph: Driver) -> None:
    text = (Path(__file__).parents[1] / "docs" / "openlineage.md").read_text()
    section = text.split("## Data quality\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(json|graphql)\n(.*?)```", section, flags=re.S)
    assert [kind for kind, _ in blocks] == ["json", "graphql", "json", "graphql"]
    answers = []
    for kind, block in blocks:
        if kind == "json":
            _send(client, json.loads(block))
        else:
            body = post(client, block)
            assert "errors" not in body, (block, body)
            answers.append(body["data"])
    version = answers[-1]["datasetVersion"]
    assert {(c["name"], c["expected"], c["actual"]) for c in version["qualityChecks"]} == {
        ("not_null", "0", "80"), ("assert_income_positive", ">= 0", "-12.5")}  # fmt: skip
    assert {"metric": "null_rate", "column": "income", "value": 0.08} in version["qualityMetrics"]
    opened = {e["node"]["monitor"]: e["node"] for e in answers[-1]["incidents"]["edges"]}
    assert sorted(opened) == ["loans-checks", "loans-income-nulls"]
    assert opened["loans-checks"]["evidence"][0]["value"] == 2


def _statements(client: TestClient, query: str) -> int:
    body = post(client, query)
    assert "errors" not in body, body
    return int(body["extensions"]["neo4jStatements"])


def test_quality_reads_cost_the_same_statements_for_one_version_or_many(
    client: TestClient, clean_graph: Driver
) -> None:
    versions = [f"v{i}" for i in range(4)]
    for i, version in enumerate(versions):
        _send(client, _event(f"dq-{i}", 5, inputs=[_input(version=version, metrics=METRICS,
                             assertions=ASSERTIONS)], tests=TESTS))  # fmt: skip

    def query(keys: list[str], quality: bool) -> str:
        fields = "qualityChecks { name run { key } } qualityMetrics { metric }" if quality else ""
        return "{ " + " ".join(
            f'v{i}: datasetVersion(key: "{NS}/public.loans@{key}") {{ key {fields} }}'
            for i, key in enumerate(keys)
        ) + " }"  # fmt: skip

    added = [
        _statements(client, query(keys, True)) - _statements(client, query(keys, False))
        for keys in (versions[:1], versions)
    ]
    # The reports of every version, and the runs that made them: the same few statements.
    assert added[0] == added[1] <= 3, added
    body = post(client, query(versions, True))["data"]
    assert all(len(v["qualityChecks"]) == 6 for v in body.values())


def test_a_restricted_versions_checks_are_shown_only_to_the_cleared(
    client: TestClient, clean_graph: Driver
) -> None:
    _send(client, _event("dq-1", 0, inputs=[_input()], kind="START"))
    _monitor(client, "checks", DATASET, "failed_assertions", 0)
    secret = {"assertion": "canary_check_5e1d", "column": "ssn_canary_5e1d", "success": False,
              "expected": "no ssn", "actual": "123-45-canary"}  # fmt: skip
    _send(client, _event("dq-1", 5, inputs=[_input(metrics={"rowCount": 3},
                         assertions=[secret])]))  # fmt: skip
    gql(client, 'mutation { registerClassification(input: {key: "PII", restricted: true}) '
                "{ key } }")  # fmt: skip
    gql(client, f'mutation {{ classify(target: "DatasetVersion:{VERSION_KEY}", '
                'classifications: ["PII"], reason: "holds SSNs") { id } }')  # fmt: skip
    uncleared = account_token(client, "Person:dq-reader@acme.example", ["reader"])
    cleared = account_token(client, "Person:dq-cleared@acme.example", ["reader"], ["PII"])
    hidden = post_as(client, uncleared, QUALITY, key=VERSION_KEY, failed=True)
    assert hidden["data"]["datasetVersion"] == {"qualityChecks": None, "qualityMetrics": None}
    shown = post_as(client, cleared, QUALITY, key=VERSION_KEY, failed=True)
    (check,) = shown["data"]["datasetVersion"]["qualityChecks"]
    assert (check["name"], check["column"], check["actual"]) == (
        "canary_check_5e1d", "ssn_canary_5e1d", "123-45-canary")  # fmt: skip
    # The observation and its incident, which any reader reads, quote none of it.
    evidence = post_as(client, uncleared, """{ incidents { edges { node { key
        evidence { value details } } } } }""")  # fmt: skip
    assert evidence["data"]["incidents"]["edges"][0]["node"]["evidence"][0]["value"] == 1
    assert "canary" not in json.dumps(evidence)


def test_a_job_events_quality_facets_are_checked_and_measure_nothing(
    client: TestClient, clean_graph: Driver
) -> None:
    def job_event(null_count: int) -> dict[str, Any]:
        metrics = {"rowCount": 5, "columnMetrics": {"income": {"nullCount": null_count}}}
        return {"eventTime": _at(1), "producer": PRODUCER, "job": {"namespace": "ge", "name": "j"},
                "inputs": [_input(version=None, metrics=metrics)]}  # fmt: skip

    graph = fingerprint(clean_graph)
    response = client.post("/api/v1/lineage", json=job_event(6))
    assert response.status_code == 400, response.text
    assert response.json()["field"] == (
        "inputs.0.inputFacets.dataQualityMetrics.columnMetrics.income.nullCount"
    )
    assert fingerprint(clean_graph) == graph
    _send(client, _event("dq-1", 0, inputs=[_input(version=None)], kind="START"))
    _monitor(client, "nulls", DATASET, "null_count", 0, column="income")
    _send(client, job_event(2))
    assert _observations(clean_graph) == []
