"""Monitoring against the real Neo4j: monitors, observations (GraphQL and bulk), profiles
whose drift the catalog computes (checked against an independent computation here),
incidents opened, extended and resolved by breaches and moved by hand, each step audited;
bad input refused with its field and nothing written; bounded statement counts."""

from __future__ import annotations

import math
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from tests.governance_helpers import audit_count, audit_events, bulk_load, graph_snapshot
from tests.graphql_client import gql, post

T0 = datetime(2026, 5, 1, tzinfo=UTC)
DEPLOYMENT = "Deployment:prod/credit-risk-api"
REFERENCE = "DatasetVersion:loans-train@3"
SETUP = """mutation {
  registerDataset(input: {key: "loans-train"}) { id }
  registerDatasetVersion(input: {dataset: "loans-train", version: "3"}) { id }
  registerDeployment(input: {name: "credit-risk-api", environment: "prod"}) { id }
  registerFeature(input: {key: "credit.debt_to_income"}) { id }
  registerServiceAccount(input: {key: "drift-monitor"}) { id }
}"""
REGISTER = "mutation($input: MonitorInput!) { registerMonitor(input: $input) { key } }"
OBSERVE = """mutation($input: ObservationInput!) { recordObservation(input: $input) {
  observation { key value breached } incidents { key status breaches } } }"""
PROFILE = """mutation($input: ProfileInput!) { recordProfile(input: $input) {
  profile { key } observations { monitor value breached details } incidents { key } } }"""
OPEN = "mutation($input: OpenIncidentInput!) { openIncident(input: $input) { key status } }"
MOVE = """mutation($input: TransitionIncidentInput!) { transitionIncident(input: $input) {
  key status severity assignee closedAt history { status by reason severity assignee } } }"""
INCIDENTS = """query($target: ID, $status: [IncidentStatus!], $first: Int, $after: String) {
  incidents(target: $target, status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { key status severity automatic breaches evidenceCount openedAt closedAt
                   monitor about { id } evidence { key value } history { status reason } } } } }"""
HEALTH = """query($target: ID!, $asOf: DateTime) { health(target: $target, asOf: $asOf) {
  healthy monitors { monitor { key } latest { value observedAt } breached }
  openIncidents { key status about { id } } } }"""


def _setup(client: TestClient) -> None:
    gql(client, SETUP)


def _monitor(client: TestClient, key: str, **fields: Any) -> None:
    gql(client, REGISTER, input={"key": key, **fields})


def _observe(client: TestClient, monitor: str, value: float, at: datetime) -> dict[str, Any]:
    body = gql(client, OBSERVE, input={"monitor": monitor, "value": value,
                                       "observedAt": at.isoformat()})  # fmt: skip
    result: dict[str, Any] = body["recordObservation"]
    return result


# --- drift, against an independent computation -------------------------------------------


def _oracle_psi(reference: list[int], current: list[int]) -> float:
    """PSI with half a count added to every bin, computed from the definition."""
    k = len(reference)
    p = [(r + 0.5) / (sum(reference) + 0.5 * k) for r in reference]
    q = [(c + 0.5) / (sum(current) + 0.5 * k) for c in current]
    return sum(qi * math.log(qi) - qi * math.log(pi) - pi * math.log(qi) + pi * math.log(pi)
               for pi, qi in zip(p, q, strict=True))  # fmt: skip


def _entropy(weights: list[float]) -> float:
    return -sum(w * math.log2(w) for w in weights if w > 0)


def _oracle_js(reference: list[int], current: list[int]) -> float:
    """JS distance as H(m) - (H(p) + H(q)) / 2, base 2: another route to the same number."""
    p = [r / sum(reference) for r in reference]
    q = [c / sum(current) for c in current]
    m = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
    return math.sqrt(max(_entropy(m) - (_entropy(p) + _entropy(q)) / 2, 0.0))


EDGES = [0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 2.0]


def _numeric(rng: random.Random, name: str) -> tuple[dict[str, Any], list[int]]:
    # Some bins left empty on purpose: smoothing (PSI) and 0 log 0 (JS) must hold.
    counts = [0 if rng.random() < 0.3 else rng.randint(1, 500) for _ in EDGES[:-1]]
    if not sum(counts):
        counts[rng.randrange(len(counts))] = 7
    nulls = rng.randint(0, 20)
    column = {"name": name, "count": sum(counts) + nulls, "nulls": nulls,
              "binEdges": EDGES, "binCounts": counts}  # fmt: skip
    return column, counts


def _categorical(rng: random.Random, name: str) -> tuple[dict[str, Any], dict[str, int]]:
    names = rng.sample(["rent", "own", "mortgage", "other", "none"], rng.randint(1, 5))
    counts = {n: rng.randint(0, 300) for n in names}
    if not sum(counts.values()):
        counts[names[0]] = 3
    column = {"name": name, "count": sum(counts.values()),
              "categories": [{"value": k, "count": v} for k, v in counts.items()]}  # fmt: skip
    return column, counts


def test_drift_matches_an_independent_computation_on_random_profiles(client: TestClient) -> None:
    _setup(client)
    rng = random.Random(1307)
    ref_num, ref_counts = _numeric(rng, "debt_to_income")
    ref_cat, ref_cats = _categorical(rng, "home_ownership")
    gql(client, PROFILE, input={"key": "loans-train-3", "subject": REFERENCE,
                                "columns": [ref_num, ref_cat]})  # fmt: skip
    for metric in ("psi", "js_distance"):
        for column in ("debt_to_income", "home_ownership"):
            _monitor(client, f"{column}-{metric}", target=DEPLOYMENT, type="DATA_DRIFT",
                     metric=metric, column=column, threshold=1e6, reference=REFERENCE)  # fmt: skip
    for n in range(12):
        num, counts = _numeric(rng, "debt_to_income")
        cat, cats = _categorical(rng, "home_ownership")
        answer = gql(client, PROFILE, input={
            "key": f"prod-window-{n}", "subject": DEPLOYMENT, "columns": [num, cat],
            "observedAt": (T0 + timedelta(days=n)).isoformat()})["recordProfile"]  # fmt: skip
        got = {o["monitor"]: o["value"] for o in answer["observations"]}
        names = sorted(set(ref_cats) | set(cats))
        aligned = ([ref_cats.get(k, 0) for k in names], [cats.get(k, 0) for k in names])
        expected = {
            "debt_to_income-psi": _oracle_psi(ref_counts, counts),
            "debt_to_income-js_distance": _oracle_js(ref_counts, counts),
            "home_ownership-psi": _oracle_psi(*aligned),
            "home_ownership-js_distance": _oracle_js(*aligned),
        }
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), (n, key)
        assert all(o["details"]["reference_profile"] == "loans-train-3"
                   for o in answer["observations"])  # fmt: skip
    # The same profile again changes nothing.
    again = gql(client, PROFILE, input={
        "key": "prod-window-11", "subject": DEPLOYMENT, "columns": [num, cat],
        "observedAt": (T0 + timedelta(days=11)).isoformat()})  # fmt: skip
    assert again["recordProfile"]["observations"] == []


# --- incidents -----------------------------------------------------------------------------


def _incidents(client: TestClient, **variables: Any) -> list[dict[str, Any]]:
    found = gql(client, INCIDENTS, **variables)["incidents"]
    return [e["node"] for e in found["edges"]]


def test_breaches_open_extend_and_resolve_incidents(client: TestClient, driver: Driver) -> None:
    _setup(client)
    feature = "Feature:credit.debt_to_income"
    _monitor(client, "dti-null-rate", target=feature, type="DATA_QUALITY", metric="null_rate",
             threshold=0.1, resolveAfter=2, severity="HIGH",
             owner="ServiceAccount:drift-monitor")  # fmt: skip
    values = [0.05, 0.2, 0.3, 0.05, 0.4, 0.01, 0.02, 0.5]
    answers = [
        _observe(client, "dti-null-rate", v, T0 + timedelta(hours=i)) for i, v in enumerate(values)
    ]
    assert [a["observation"]["breached"] for a in answers] == [v > 0.1 for v in values]
    first_key = answers[1]["incidents"][0]["key"]
    assert answers[0]["incidents"] == []
    assert answers[2]["incidents"] == [{"key": first_key, "status": "OPEN", "breaches": 2}]
    assert answers[4]["incidents"][0]["breaches"] == 3  # the healthy streak was reset
    assert answers[6]["incidents"] == [{"key": first_key, "status": "RESOLVED", "breaches": 3}]
    second_key = answers[7]["incidents"][0]["key"]
    assert second_key != first_key

    found = {i["key"]: i for i in _incidents(client, target=feature)}
    first, second = found[first_key], found[second_key]
    assert first["automatic"] and first["severity"] == "HIGH"
    assert first["evidenceCount"] == 3
    assert sorted(e["value"] for e in first["evidence"]) == [0.2, 0.3, 0.4]
    assert first["openedAt"] == (T0 + timedelta(hours=1)).isoformat()
    assert first["closedAt"] == (T0 + timedelta(hours=6)).isoformat()
    assert [h["status"] for h in first["history"]] == ["OPEN", "RESOLVED"]
    assert second["status"] == "OPEN" and second["about"] == [{"id": feature}]
    actions = [e["action"] for e in audit_events(driver, target=f"Incident:{first_key}")]
    assert actions == ["incident.open", "incident.extend", "incident.extend", "incident.resolve"]
    # The same observation again changes nothing.
    before = graph_snapshot(driver), audit_count(driver)
    again = _observe(client, "dti-null-rate", 0.5, T0 + timedelta(hours=7))
    assert again == {"observation": None, "incidents": []}
    assert (graph_snapshot(driver), audit_count(driver)) == before

    # health as of a time inside the first incident, and now.
    inside = gql(client, HEALTH, target=feature, asOf=(T0 + timedelta(hours=3)).isoformat())
    assert [i["key"] for i in inside["health"]["openIncidents"]] == [first_key]
    assert inside["health"]["monitors"][0]["latest"]["value"] == 0.05
    assert inside["health"]["healthy"] is False
    now = gql(client, HEALTH, target=feature)["health"]
    assert [i["key"] for i in now["openIncidents"]] == [second_key]
    assert now["monitors"][0]["breached"] is True


def test_every_transition_is_audited_with_its_reason(client: TestClient, driver: Driver) -> None:
    _setup(client)
    incident = {"targets": [DEPLOYMENT], "title": "scores look odd",
                "reason": "support tickets", "key": "odd-scores"}  # fmt: skip
    opened = gql(client, OPEN, input=incident)
    assert opened["openIncident"] == {"key": "odd-scores", "status": "OPEN"}
    steps = [
        {"status": "ACKNOWLEDGED", "reason": "looking into it", "severity": "HIGH",
         "assignee": "ServiceAccount:drift-monitor"},
        {"status": "RESOLVED", "reason": "retrained: credit-risk@4"},
    ]  # fmt: skip
    for step in steps:
        moved = gql(client, MOVE, input={"incident": "odd-scores", **step})["transitionIncident"]
        assert moved["status"] == step["status"]
    assert moved["severity"] == "HIGH" and moved["assignee"] == "ServiceAccount:drift-monitor"
    assert moved["closedAt"] is not None
    assert [(h["status"], h["reason"]) for h in moved["history"]] == [
        ("OPEN", "support tickets"), ("ACKNOWLEDGED", "looking into it"),
        ("RESOLVED", "retrained: credit-risk@4"),
    ]  # fmt: skip
    events = audit_events(driver, target="Incident:odd-scores")
    assert [(e["action"], e["reason"]) for e in events] == [
        ("incident.open", "support tickets"), ("incident.acknowledged", "looking into it"),
        ("incident.resolved", "retrained: credit-risk@4"),
    ]  # fmt: skip
    assert '"status":"open"' in events[1]["before"] and '"acknowledged"' in events[1]["after"]
    gql(client, OPEN, input={"targets": [REFERENCE], "title": "t", "reason": "r", "key": "fa"})
    gql(client, MOVE, input={"incident": "fa", "status": "DISMISSED", "reason": "false alarm"})
    assert [e["action"] for e in audit_events(driver, target="Incident:fa")] == [
        "incident.open",
        "incident.dismissed",
    ]


# --- bad input ---------------------------------------------------------------------------


def _drift_setup(client: TestClient) -> None:
    _setup(client)
    column = {"name": "x", "count": 3, "binEdges": [0.0, 1.0, 2.0], "binCounts": [1, 2]}
    gql(client, PROFILE, input={"key": "ref", "subject": REFERENCE, "columns": [column]})
    _monitor(client, "x-psi", target=DEPLOYMENT, type="DATA_DRIFT", metric="psi", column="x",
             threshold=0.2, reference=REFERENCE)  # fmt: skip
    gql(client, OPEN, input={"targets": [DEPLOYMENT], "title": "t", "reason": "r", "key": "done"})
    gql(client, MOVE, input={"incident": "done", "status": "RESOLVED", "reason": "fixed"})


BAD = [
    ("a target that cannot be monitored", REGISTER,
     {"key": "m", "target": "Person:admin@tests.example", "type": "PERFORMANCE", "metric": "auc",
      "threshold": 0.7}, "input.target"),
    ("a target that does not exist", REGISTER,
     {"key": "m", "target": "Deployment:prod/nope", "type": "PERFORMANCE", "metric": "auc",
      "threshold": 0.7}, "input.target"),
    ("a drift monitor without a reference", REGISTER,
     {"key": "m", "target": DEPLOYMENT, "type": "DATA_DRIFT", "metric": "psi", "column": "x",
      "threshold": 0.2}, "input.reference"),
    ("bins that do not match the reference", PROFILE,
     {"key": "p", "subject": DEPLOYMENT,
      "columns": [{"name": "x", "count": 3, "binEdges": [0.0, 1.5, 2.0], "binCounts": [1, 2]}]},
     "input.columns.0.binEdges"),
    ("bins that do not add up", PROFILE,
     {"key": "p", "subject": DEPLOYMENT,
      "columns": [{"name": "x", "count": 9, "binEdges": [0.0, 1.0, 2.0], "binCounts": [1, 2]}]},
     "input.columns.0.binCounts"),
    ("an unknown monitor", OBSERVE,
     {"monitor": "no-such-monitor", "value": 0.1}, "input.monitor"),
    ("a transition not allowed", MOVE,
     {"incident": "done", "status": "ACKNOWLEDGED", "reason": "again"}, "input.status"),
    ("a missing reason", MOVE,
     {"incident": "done", "status": "DISMISSED", "reason": "  "}, "input.reason"),
    ("a missing reason to open", OPEN,
     {"targets": [DEPLOYMENT], "title": "t", "reason": ""}, "input.reason"),
    ("an incident about a run", OPEN,
     {"targets": ["Run:r1"], "title": "t", "reason": "r"}, "input.targets.0"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "query", "input", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_its_field_and_writes_nothing(
    client: TestClient, driver: Driver, case: str, query: str, input: dict[str, Any], field: str
) -> None:
    _drift_setup(client)
    before = graph_snapshot(driver), audit_count(driver)
    body = post(client, query, input=input)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert body["errors"][0]["extensions"]["field"] == field, body
    assert (graph_snapshot(driver), audit_count(driver)) == before


def test_a_non_finite_value_is_refused(client: TestClient, driver: Driver) -> None:
    _drift_setup(client)
    before = graph_snapshot(driver), audit_count(driver)
    json_headers = {"Content-Type": "application/json"}
    for value in ("1e999", "-1e999"):  # a literal that overflows to an infinity
        text = ('{"query": "mutation { recordObservation(input: {monitor: \\"x-psi\\", value: '
                + value + '}) { incidents { key } } }"}')  # fmt: skip
        body = client.post("/graphql", content=text, headers=json_headers).json()
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT",
                                                   "field": "input.value"}, body  # fmt: skip
    # As a variable, GraphQL's Float refuses it; NaN is not JSON at all.
    query = ('{"query": "mutation($v: Float!) { recordObservation(input: {monitor: \\"x-psi\\", '
             'value: $v}) { incidents { key } } }", "variables": {"v": %s}}')  # fmt: skip
    body = client.post("/graphql", content=query % "1e999", headers=json_headers).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert client.post("/graphql", content=query % "NaN", headers=json_headers).status_code == 400
    assert (graph_snapshot(driver), audit_count(driver)) == before


# --- bulk ----------------------------------------------------------------------------------


def test_bulk_observations_reject_rows_and_load_again_changes_nothing(
    client: TestClient, driver: Driver
) -> None:
    _setup(client)
    _monitor(client, "rows", target=DEPLOYMENT, type="DATA_QUALITY", metric="row_count",
             threshold=100, direction="BELOW")  # fmt: skip
    good = [
        {"monitor": "rows", "value": float(v), "observed_at": T0 + timedelta(hours=i)}
        for i, v in enumerate([500, 80, 60, 400])
    ]
    bad = [
        ({"monitor": "no-such", "value": 1.0, "observed_at": T0}, "monitor"),
        ({"monitor": "rows", "value": math.nan, "observed_at": T0}, "value"),
        ({"monitor": "rows", "value": None, "observed_at": T0}, "value"),
        ({"monitor": "rows", "value": 5.0, "observed_at": None}, "observed_at"),
        ({"monitor": "rows", "value": 9.0, "observed_at": T0}, "value"),  # T0 holds 500
    ]
    rows = good + [row for row, _ in bad]
    status, body = bulk_load(client, "observations", rows)
    assert status == 207, body
    assert body["loaded"] == len(good) and body["rejected"] == len(bad)
    assert sorted((r["row"], r["field"]) for r in body["rejects"]) == [
        (len(good) + 1 + i, f) for i, (_, f) in enumerate(bad)
    ]
    codes = {r["row"]: r["code"] for r in body["rejects"]}
    assert codes.pop(len(rows)) == "FAILED_PRECONDITION"
    assert set(codes.values()) == {"BAD_USER_INPUT"}
    (incident,) = _incidents(client, target=DEPLOYMENT)
    assert incident["breaches"] == 2 and incident["status"] == "OPEN"
    before = graph_snapshot(driver), audit_count(driver)
    status, again = bulk_load(client, "observations", rows)
    assert status == 207 and again["rejects"] == body["rejects"]
    assert (graph_snapshot(driver), audit_count(driver)) == before
    actions = [e["action"] for e in audit_events(driver, actor="Person:admin@tests.example")]
    assert actions.count("bulk.observations") == 1 and "incident.open" in actions


# --- bounded statements --------------------------------------------------------------------


def _statements(client: TestClient, query: str, **variables: Any) -> int:
    body = post(client, query, **variables)
    assert "errors" not in body, body
    return int(body["extensions"]["neo4jStatements"])


def test_incidents_and_health_cost_a_fixed_number_of_statements(client: TestClient) -> None:
    _setup(client)
    counts = []
    for monitors in (range(1), range(1, 6)):
        for i in monitors:
            _monitor(client, f"m{i}", target=DEPLOYMENT, type="PERFORMANCE", metric="auc",
                     threshold=0.7, direction="BELOW")  # fmt: skip
            for h in range(3):
                _observe(client, f"m{i}", 0.5, T0 + timedelta(hours=h))
        counts.append((_statements(client, INCIDENTS, first=50),
                       _statements(client, HEALTH, target=DEPLOYMENT)))  # fmt: skip
    assert len(_incidents(client)) == 6
    assert counts[0] == counts[1] == (2, 1), counts
    # Paging: two pages of three cover the six, in order, once each.
    page = gql(client, INCIDENTS, first=3)["incidents"]
    rest = gql(client, INCIDENTS, first=3, after=page["pageInfo"]["endCursor"])["incidents"]
    keys = [e["node"]["key"] for e in page["edges"] + rest["edges"]]
    assert len(set(keys)) == 6 and not rest["pageInfo"]["hasNextPage"]


# --- the docs' examples --------------------------------------------------------------------


def test_every_graphql_example_in_the_docs_runs(client: TestClient) -> None:
    _setup(client)
    text = (Path(__file__).parents[1] / "docs" / "monitoring.md").read_text()
    blocks = re.findall(r"```graphql\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 5
    for block in blocks:
        body = post(client, block)
        assert "errors" not in body, (block, body)
        assert all(v is not None for v in body["data"].values()), block
