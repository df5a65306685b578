"""Monitoring questions against the real Neo4j: the incidents open on a prediction trace at
the prediction's time, an incident's impact on predictions, what a data-quality incident
flags downstream (with paths), productionView's incidents and monitor values; each answer
checked against an independent computation in this file over a random serving and
incident history, each request's statements bounded."""

from __future__ import annotations

import itertools
import random
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.demo import GeneratedCatalog
from lineage_catalog.domain.model import Kind, Rel, uid
from lineage_catalog.settings import Settings
from lineage_catalog.store.bulk import EdgeRow, NodeRow
from tests.governance_helpers import bulk_load
from tests.graphql_client import gql, post
from tests.plans import plan_details
from tests.test_monitoring import SETUP
from tests.test_questions import TRACE, load
from tests.test_round_trips import layered_lineage

T0 = datetime(2026, 5, 1, tzinfo=UTC)
HOURS = 240
REGISTER = "mutation($input: MonitorInput!) { registerMonitor(input: $input) { key } }"
OPEN = "mutation($input: OpenIncidentInput!) { openIncident(input: $input) { key } }"
TRACE_INCIDENTS = """query($key: String!) { predictionTrace(key: $key) {
  prediction { time } incidents { key monitor openedAt closedAt about { id } } } }"""

# The lineage of the random history: who used what (run -> inputs) and generated what.
RUNS: dict[str, tuple[list[str], list[str]]] = {
    "train-mu": (["DatasetVersion:d1@1"], ["ModelVersion:mu@1"]),
    "train-m1": (["DatasetVersion:d0@1", "Feature:f.x", "ModelVersion:mu@1"],
                 ["ModelVersion:m@1"]),
    "train-m2": (["DatasetVersion:d1@1"], ["ModelVersion:m@2"]),
    "prep-z": (["DatasetVersion:d0@1"], ["DatasetVersion:z@1"]),
    "train-n": (["DatasetVersion:z@1"], ["ModelVersion:n@1"]),
}  # fmt: skip
DEPLOYMENTS = ["prod/a", "prod/b", "prod/z"]
SERVING = {"prod/a": ["m@1", "m@2"], "prod/b": ["m@1", "m@2"], "prod/z": ["n@1"]}
# Every node a monitor may watch, monitored ones and unrelated ones alike.
TARGETS = ["Deployment:prod/a", "Deployment:prod/b", "Deployment:prod/z", "ModelVersion:m@1",
           "ModelVersion:m@2", "ModelVersion:mu@1", "ModelVersion:n@1", "DatasetVersion:d0@1",
           "DatasetVersion:d1@1", "DatasetVersion:z@1", "Dataset:d0", "Dataset:d1",
           "Feature:f.x"]  # fmt: skip


@dataclass
class History:
    """What the test sent, and the incidents it implies by construction: per monitor a
    breach opens one when none is open, the first healthy value after it closes it
    (resolveAfter 1); the hand-opened ones stay open."""

    intervals: list[tuple[str, str, datetime, datetime | None]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    predictions: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    boundaries: list[datetime] = field(default_factory=list)


def _catalog(predictions: list[tuple[str, str, str, datetime]]) -> GeneratedCatalog:
    nodes = [NodeRow(Kind.MODEL, m, {"name": m}) for m in ("m", "mu", "n")]
    nodes += [NodeRow(Kind.MODEL_VERSION, f"{m}@{v}", {"model": m, "version": v})
              for m, v in (("m", "1"), ("m", "2"), ("mu", "1"), ("n", "1"))]  # fmt: skip
    nodes += [NodeRow(Kind.DATASET, d, {"name": d}) for d in ("d0", "d1", "z")]
    nodes += [NodeRow(Kind.DATASET_VERSION, f"{d}@1", {"dataset": d}) for d in ("d0", "d1", "z")]
    nodes.append(NodeRow(Kind.FEATURE, "f.x", {"name": "x"}))
    nodes += [NodeRow(Kind.DEPLOYMENT, d, {"name": d[5:], "environment": "prod"})
              for d in DEPLOYMENTS]  # fmt: skip
    nodes += [NodeRow(Kind.RUN, r, {"run_kind": "training"}) for r in RUNS]
    nodes += [NodeRow(Kind.PREDICTION, key, {"time": at, "deployment": d, "model_version": mv})
              for key, d, mv, at in predictions]  # fmt: skip
    edges = [EdgeRow(Rel.VERSION_OF, uid(Kind.DATASET_VERSION, f"{d}@1"), uid(Kind.DATASET, d))
             for d in ("d0", "d1", "z")]  # fmt: skip
    edges += [EdgeRow(Rel.VERSION_OF, uid(Kind.MODEL_VERSION, mv), uid(Kind.MODEL, mv[:-2]))
              for mv in ("m@1", "m@2", "mu@1", "n@1")]  # fmt: skip
    for run, (used, generated) in RUNS.items():
        edges += [EdgeRow(Rel.USED, uid(Kind.RUN, run), u) for u in used]
        edges += [EdgeRow(Rel.GENERATED, uid(Kind.RUN, run), g) for g in generated]
    for d, versions in SERVING.items():
        edges += [EdgeRow(Rel.SERVED, uid(Kind.DEPLOYMENT, d), uid(Kind.MODEL_VERSION, mv),
                          {"role": "champion", "valid_from": T0 - timedelta(days=30),
                           "imported": True}) for mv in versions]  # fmt: skip
    return GeneratedCatalog(nodes=nodes, edges=edges)


def _hour(h: int) -> datetime:
    return T0 + timedelta(hours=h)


def _history(client: TestClient, settings: Settings, seed: int) -> History:
    """A random incident history on TARGETS (sent through GraphQL and the bulk loader) and
    random predictions, some made exactly when an incident opened or closed."""
    rng = random.Random(seed)
    history = History()
    rows = []
    for n, target in enumerate(TARGETS * 2):
        monitor = f"mon-{n}"
        times = sorted(rng.sample(range(HOURS), rng.randint(2, 12)))
        opened: datetime | None = None
        for h in times:
            breach = rng.random() < 0.5
            rows.append({"monitor": monitor, "value": 1.0 if breach else 0.0,
                         "observed_at": _hour(h)})  # fmt: skip
            if breach and opened is None:
                opened = _hour(h)
            elif not breach and opened is not None:
                history.intervals.append((monitor, target, opened, _hour(h)))
                opened = None
        if opened is not None:
            history.intervals.append((monitor, target, opened, None))
    for n in range(3):  # by hand, about two nodes each, never closed
        at = _hour(rng.randrange(HOURS))
        about = rng.sample(TARGETS, 2)
        history.intervals += [(f"hand-{n}", t, at, None) for t in about]
    for _, _, opened, closed in history.intervals:
        history.boundaries += [opened] + ([closed] if closed else [])
    times = [*rng.sample(history.boundaries, min(25, len(history.boundaries))),
             *(_hour(rng.randrange(HOURS)) + timedelta(minutes=rng.randrange(60))
               for _ in range(25))]  # fmt: skip
    for i, at in enumerate(times):
        deployment = rng.choice(DEPLOYMENTS)
        history.predictions.append((f"p{i}", deployment, rng.choice(SERVING[deployment]), at))
    load(settings, _catalog(history.predictions))
    for n, target in enumerate(TARGETS * 2):
        gql(client, REGISTER, input={"key": f"mon-{n}", "target": target, "type": "DATA_QUALITY",
                                     "metric": "null_rate", "threshold": 0.5,
                                     "resolveAfter": 1})  # fmt: skip
    history.rows = rows
    status, body = bulk_load(client, "observations", rows)
    assert status == 200 and body["rejected"] == 0, body
    hand = [(m, t, at) for m, t, at, _ in history.intervals if m.startswith("hand-")]
    for n in range(3):
        mine = [(t, at) for m, t, at in hand if m == f"hand-{n}"]
        gql(client, OPEN, input={"key": f"hand-{n}", "targets": [t for t, _ in mine],
                                 "title": "by hand", "reason": "seen by a person",
                                 "openedAt": mine[0][1].isoformat()})  # fmt: skip
    return history


def _upstream(model_version: str) -> set[str]:
    """Everything upstream of a model version by the RUNS table: breadth-first over
    generated -> run -> used, plus each dataset version's dataset."""
    generated_by = {g: run for run, (_, gs) in RUNS.items() for g in gs}
    seen: set[str] = set()
    queue = deque([model_version])
    while queue:
        here = queue.popleft()
        run = generated_by.get(here)
        for used in RUNS[run][0] if run else []:
            if used not in seen:
                seen.add(used)
                queue.append(used)
    datasets = {"Dataset:" + u.split(":")[1].split("@")[0] for u in seen
                if u.startswith("DatasetVersion:")}  # fmt: skip
    return seen | datasets


def _open_at(
    intervals: list[tuple[str, str, datetime, datetime | None]], nodes: set[str], at: datetime
) -> set[tuple[str, datetime]]:
    return {(m, opened) for m, t, opened, closed in intervals
            if t in nodes and opened <= at and (closed is None or at < closed)}  # fmt: skip


def _answered(incident: dict[str, Any]) -> tuple[str, datetime]:
    name = incident["monitor"] or incident["key"]
    return name, datetime.fromisoformat(incident["openedAt"])


def test_a_trace_lists_the_incidents_open_at_the_predictions_time(
    client: TestClient, settings: Settings
) -> None:
    history = _history(client, settings, seed=1313)
    on_boundary, answers = 0, []
    for key, deployment, model_version, at in history.predictions:
        mv = uid(Kind.MODEL_VERSION, model_version)
        nodes = {uid(Kind.DEPLOYMENT, deployment), mv, *_upstream(mv)}
        expected = _open_at(history.intervals, nodes, at)
        trace = gql(client, TRACE_INCIDENTS, key=key)["predictionTrace"]
        found = trace["incidents"]
        assert {_answered(i) for i in found} == expected, (key, at)
        assert len(found) == len({i["key"] for i in found})
        opened = [i["openedAt"] for i in found]
        assert opened == sorted(opened, reverse=True)
        on_boundary += at in history.boundaries
        answers.append(len(expected))
    # The history has predictions made exactly when an incident opened and when one closed.
    opened_at = {o for _, _, o, _ in history.intervals}
    closed_at = {c for _, _, _, c in history.intervals if c}
    times = {at for *_, at in history.predictions}
    assert times & opened_at and times & closed_at and on_boundary >= 10
    assert sum(n > 1 for n in answers) >= 10 and len(set(answers)) > 3, answers


def test_the_trace_incidents_cost_one_statement_whatever_the_trace(
    client: TestClient, clean_graph: Driver, settings: Settings
) -> None:
    with_incidents = TRACE.replace(
        "upstreamModelVersions { id }",
        "upstreamModelVersions { id } incidents { key about { id } }",
    )
    counts = []
    for width in (3, 30):
        load(settings, layered_lineage(width=width))
        gql(client, OPEN, input={"key": f"w{width}", "title": "late", "reason": "late",
                                 "targets": [f"DatasetVersion:d3-{width - 1}@1"],
                                 "openedAt": "2025-12-01T00:00:00Z"})  # fmt: skip
        without = post(client, TRACE, key="p")
        body = post(client, with_incidents, key="p")
        assert "errors" not in body, body
        keys = {i["key"] for i in body["data"]["predictionTrace"]["incidents"]}
        assert f"w{width}" in keys
        counts.append((without["extensions"]["neo4jStatements"],
                       body["extensions"]["neo4jStatements"]))  # fmt: skip
    assert counts[0] == counts[1] and counts[0][1] == counts[0][0] + 1, counts


IMPACTS = """query($first: Int!) { incidents(first: $first) {
  pageInfo { hasNextPage }
  edges { node { key openedAt closedAt about { id }
    impact { openedAt closedAt modelVersions predictionCount
             deployments { deployment { key } about modelVersions predictionCount
                           firstPrediction lastPrediction } } } } } }"""


def _downstream(subjects: set[str]) -> set[str]:
    """Everything downstream of subjects by the RUNS table (a dataset through its version):
    node -> the runs that used it -> what they generated, transitively."""
    frontier = {f"DatasetVersion:{s.split(':')[1]}@1" if s.startswith("Dataset:") else s
                for s in subjects}  # fmt: skip
    seen = set(frontier)
    while frontier:
        frontier = {g for used, gs in RUNS.values() if set(used) & frontier for g in gs} - seen
        seen |= frontier
    return seen


def _expected_impact(
    history: History, about: set[str], start: datetime, end: datetime | None
) -> dict[str, tuple[int, datetime | None, datetime | None, bool]]:
    inside = [p for p in history.predictions if start <= p[3] and (end is None or p[3] < end)]
    mine = {a.split(":", 1)[1] for a in about if a.startswith("Deployment:")}
    affected = {a.split(":", 1)[1] for a in about | _downstream(about)
                if a.startswith("ModelVersion:")}  # fmt: skip
    found = {}
    for d in DEPLOYMENTS:
        times = [at for _, dep, mv, at in inside
                 if dep == d and (d in mine or mv in affected)]  # fmt: skip
        if times or d in mine:
            found[d] = (len(times), min(times, default=None), max(times, default=None), d in mine)
    return found


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def test_an_incidents_impact_counts_the_predictions_made_while_it_was_open(
    client: TestClient, settings: Settings
) -> None:
    history = _history(client, settings, seed=2718)
    body = post(client, IMPACTS, first=100)
    assert "errors" not in body, body
    page = body["data"]["incidents"]
    assert not page["pageInfo"]["hasNextPage"]
    incidents = [e["node"] for e in page["edges"]]
    assert len(incidents) > 20
    counted = 0
    for incident in incidents:
        about = {a["id"] for a in incident["about"]}
        start, end = _time(incident["openedAt"]), _time(incident["closedAt"])
        assert start is not None
        impact = incident["impact"]
        found = {d["deployment"]["key"]: (d["predictionCount"], _time(d["firstPrediction"]),
                                          _time(d["lastPrediction"]), d["about"])
                 for d in impact["deployments"]}  # fmt: skip
        assert found == _expected_impact(history, about, start, end), incident["key"]
        assert impact["predictionCount"] == sum(v[0] for v in found.values())
        expected_versions = {a for a in about | _downstream(about)
                             if a.startswith("ModelVersion:")}  # fmt: skip
        assert set(impact["modelVersions"]) == expected_versions
        counted += impact["predictionCount"]
    assert counted > 20
    # The page, then for all its incidents: a dataset's versions, one walk, the counts.
    assert body["extensions"]["neo4jStatements"] == 1 + 3


def test_impact_counts_are_ranges_of_the_prediction_indexes(clean_graph: Driver) -> None:
    details = plan_details(clean_graph, "monitoring/incident_impact", rows=[
        {"key": "i", "from": T0, "to": T0 + timedelta(days=1), "deployments": ["prod/a"],
         "model_versions": ["m@1"]}])  # fmt: skip
    assert "RANGE INDEX p:Prediction(deployment, time)" in details, details
    assert "RANGE INDEX p:Prediction(model_version, time)" in details, details


def _steps() -> dict[str, set[str]]:
    """The catalog's lineage as steps downstream, from the tables above: a dataset to its
    version, a node to the runs that used it, a run to what it generated, a model version
    to the deployments serving it."""
    steps: dict[str, set[str]] = {}
    for d in ("d0", "d1", "z"):
        steps.setdefault(f"Dataset:{d}", set()).add(f"DatasetVersion:{d}@1")
    for run, (used, generated) in RUNS.items():
        for u in used:
            steps.setdefault(u, set()).add(f"Run:{run}")
        steps.setdefault(f"Run:{run}", set()).update(generated)
    for d, versions in SERVING.items():
        for mv in versions:
            steps.setdefault(f"ModelVersion:{mv}", set()).add(f"Deployment:{d}")
    return steps


def _distances(
    starts: set[str], steps: dict[str, set[str]], *, downstream: bool = True
) -> dict[str, int]:
    """Breadth-first steps from starts; downstream, a deployment ends a path (it serves,
    nothing uses it)."""
    found = dict.fromkeys(starts, 0)
    queue = deque(sorted(starts))
    while queue:
        here = queue.popleft()
        if downstream and here.startswith("Deployment:"):
            continue
        for there in steps.get(here, set()):
            if there not in found:
                found[there] = found[here] + 1
                queue.append(there)
    return found


def _check_path(path: list[str], steps: dict[str, set[str]]) -> None:
    for here, there in itertools.pairwise(path):
        assert there in steps.get(here, set()), (here, there, path)


FLAGS = """query($first: Int!) { incidents(first: $first) { edges { node {
  key about { id } flags(depth: 5) { node { id } path } } } } }"""


def test_an_incident_flags_every_model_version_and_deployment_downstream_with_paths(
    client: TestClient, settings: Settings
) -> None:
    _history(client, settings, seed=4242)
    steps = _steps()
    body = post(client, FLAGS, first=100)
    assert "errors" not in body, body
    flagged = 0
    for edge in body["data"]["incidents"]["edges"]:
        incident = edge["node"]
        about = {a["id"] for a in incident["about"]}
        distance = _distances(about, steps)
        expected = {n for n in distance if n not in about
                    and n.startswith(("ModelVersion:", "Deployment:"))}  # fmt: skip
        found = {f["node"]["id"]: f["path"] for f in incident["flags"]}
        assert set(found) == expected, incident["key"]
        for node, path in found.items():
            assert path[0] in about and path[-1] == node
            _check_path(path, steps)
            assert len(path) - 1 == distance[node], (incident["key"], path)
        kinds = [f["node"]["id"].split(":")[0] for f in incident["flags"]]
        assert kinds == sorted(kinds, key=lambda k: k != "ModelVersion")
        flagged += len(found)
    assert flagged > 20
    # The page, then for all its incidents: a dataset's versions, one walk, the serving.
    assert body["extensions"]["neo4jStatements"] == 1 + 3


UPSTREAM = """query($id: ID!, $asOf: DateTime) { incidentsUpstream(id: $id, asOf: $asOf) {
  incident { key monitor openedAt } subject { id } path } }"""


def test_incidents_upstream_of_a_model_or_deployment_come_with_their_paths(
    client: TestClient, settings: Settings
) -> None:
    history = _history(client, settings, seed=99)
    steps = _steps()
    upstream: dict[str, set[str]] = {}
    for here, theres in steps.items():
        for there in theres:
            upstream.setdefault(there, set()).add(here)
    rng = random.Random(5)
    checked = 0
    for node in ["ModelVersion:m@1", "ModelVersion:m@2", "ModelVersion:n@1",
                 "Deployment:prod/a", "Deployment:prod/z", "DatasetVersion:z@1"]:  # fmt: skip
        distance = _distances({node}, upstream, downstream=False)
        for at in [*rng.sample(history.boundaries, 4), _hour(rng.randrange(HOURS))]:
            expected = {(m, opened, t) for m, t, opened, closed in history.intervals
                        if t in distance and opened <= at
                        and (closed is None or at < closed)}  # fmt: skip
            found = gql(client, UPSTREAM, id=node, asOf=at.isoformat())["incidentsUpstream"]
            answered = {(i["incident"]["monitor"] or i["incident"]["key"],
                         datetime.fromisoformat(i["incident"]["openedAt"]), i["subject"]["id"])
                        for i in found}  # fmt: skip
            assert answered == expected, (node, at)
            for i in found:
                path = i["path"]
                assert path[0] == node and path[-1] == i["subject"]["id"]
                _check_path(path[::-1], steps)
                assert len(path) - 1 == distance[path[-1]], path
            checked += len(found)
    assert checked > 30


BAD_READS = [
    ("a malformed id", "{ incidentsUpstream(id: 'nokind') { path } }", "id"),
    ("a depth out of range", "{ incidentsUpstream(id: 'ModelVersion:m@1', depth: 0) "
     "{ path } }", "depth"),
    ("an impact depth out of range", "{ incidents { edges { node { impact(depth: 99) "
     "{ predictionCount } } } } }", "depth"),
    ("a flags depth out of range", "{ incidents { edges { node { flags(depth: -1) "
     "{ path } } } } }", "depth"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "query", "field"), BAD_READS, ids=[b[0] for b in BAD_READS])
def test_bad_arguments_name_their_field(
    client: TestClient, settings: Settings, case: str, query: str, field: str
) -> None:
    load(settings, _catalog([]))
    gql(client, OPEN, input={"key": "i", "targets": ["DatasetVersion:d0@1"], "title": "t",
                             "reason": "r"})  # fmt: skip
    body = post(client, query.replace("'", '"'))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert body["errors"][0]["extensions"]["field"] == field, body


def _doc_answers(client: TestClient) -> dict[str, dict[str, Any]]:
    """Every GraphQL example of docs/monitoring.md run in order on the catalog its text
    names (tests/test_monitoring.py's SETUP), each answer by the example's text."""
    gql(client, SETUP)
    text = (Path(__file__).parents[1] / "docs" / "monitoring.md").read_text()
    answers = {}
    for block in re.findall(r"```graphql\n(.*?)```", text, flags=re.S):
        body = post(client, block)
        assert "errors" not in body, (block, body)
        answers[block] = body["data"]
    return answers


def _answer(answers: dict[str, dict[str, Any]], needle: str) -> dict[str, Any]:
    (found,) = [data for block, data in answers.items() if needle in block]
    return found


def test_the_docs_examples_answer_what_the_docs_say(client: TestClient) -> None:
    answers = _doc_answers(client)
    drift = "credit-risk-dti-psi.20260508T000000000000Z"
    trace = _answer(answers, "predictionTrace(")["predictionTrace"]
    assert drift in {i["key"] for i in trace["incidents"]}
    impact = _answer(answers, "impact {")["incident"]["impact"]
    assert impact["predictionCount"] == 1
    (deployment,) = impact["deployments"]
    assert deployment["deployment"]["id"] == "Deployment:prod/credit-risk-api"
    assert deployment["about"] and deployment["predictionCount"] == 1
    flagged = _answer(answers, "flags {")
    path = ["DatasetVersion:loans-train@3", "Run:train-credit-risk-2",
            "ModelVersion:credit-risk@2"]  # fmt: skip
    assert flagged["incident"]["flags"] == [{"node": {"id": path[-1]}, "path": path}]
    health = _answer(answers, 'deployment(key: "prod/credit-risk-api")')["deployment"]["health"]
    assert not health["healthy"]
    assert [i["key"] for i in health["openIncidents"]] == [drift]
    psi = {m["monitor"]["key"]: m for m in health["monitors"]}["credit-risk-dti-psi"]
    assert psi["breached"] and psi["latest"]["observedAt"].startswith("2026-05-08")
    assert _answer(answers, "productionView {")["productionView"] == []
    upstream = [i for i in flagged["incidentsUpstream"]
                if i["incident"]["key"] == "loans-train-3-nulls"]  # fmt: skip
    assert [(i["subject"]["id"], i["path"]) for i in upstream] == [(path[0], path[::-1])]


PRODUCTION = """query($asOf: DateTime) { productionView { key
  health(asOf: $asOf) { asOf healthy openIncidents { key monitor openedAt }
    monitors { monitor { key } latest { value observedAt } breached } } } }"""


def test_production_view_shows_open_incidents_and_latest_monitor_values(
    client: TestClient, settings: Settings
) -> None:
    history = _history(client, settings, seed=31)
    rows: list[dict[str, Any]] = history.rows
    monitors = {f"mon-{n}": t for n, t in enumerate(TARGETS * 2)}
    rng = random.Random(8)
    counts = set()
    for at in [*rng.sample(history.boundaries, 6), None]:
        when = at or datetime.now(UTC)
        body = post(client, PRODUCTION, asOf=at.isoformat() if at else None)
        assert "errors" not in body, body
        counts.add(body["extensions"]["neo4jStatements"])
        view = body["data"]["productionView"]
        assert [d["key"] for d in view] == DEPLOYMENTS
        for deployment in view:
            target = f"Deployment:{deployment['key']}"
            health = deployment["health"]
            expected = {(m, opened) for m, t, opened, closed in history.intervals
                        if t == target and opened <= when
                        and (closed is None or when < closed)}  # fmt: skip
            assert {_answered(i) for i in health["openIncidents"]} == expected, (target, at)
            latest = {}
            for row in sorted(rows, key=lambda r: r["observed_at"]):
                if monitors[row["monitor"]] == target and row["observed_at"] <= when:
                    latest[row["monitor"]] = (row["value"], row["observed_at"])
            found = {m["monitor"]["key"]: m["latest"] for m in health["monitors"]}
            assert set(found) == {m for m, t in monitors.items() if t == target}
            assert {m: (v["value"], datetime.fromisoformat(v["observedAt"]))
                    for m, v in found.items() if v} == latest  # fmt: skip
            assert health["healthy"] == (not expected and not any(
                v[0] > 0.5 for v in latest.values()))  # fmt: skip
    # productionView, then the health of every deployment in one statement.
    assert counts == {2}, counts
