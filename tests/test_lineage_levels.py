"""Lineage from any level and what OpenLineage events stored, read back: a food-delivery
chain of events sent through POST /api/v1/lineage (the production path), answers checked
against networkx over the edges the test reads from Neo4j itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from tests.governance_helpers import account_token, post_as
from tests.graphql_client import gql, post

PRODUCER = "https://example.com/food-delivery-tests"
NS = "food_delivery"
SOURCE = {"name": "food_delivery_db", "uri": "postgres://food_delivery_db:5432/food_delivery"}


def _facet(**fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/x.json",
            **fields}  # fmt: skip


def _dataset(name: str, *columns: str) -> dict[str, Any]:
    facets: dict[str, Any] = {"dataSource": _facet(**SOURCE)}
    if columns:
        facets["schema"] = _facet(fields=[{"name": c, "type": "VARCHAR"} for c in columns])
    return {"namespace": NS, "name": name, "facets": facets}


def _event(
    kind: str,
    at: str,
    run_id: str,
    job: str,
    *,
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "eventType": kind,
        "eventTime": at,
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": NS, "name": job, "facets": job_facets or {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }


def _run(
    run_id: str,
    job: str,
    start: str,
    end: str,
    *,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    fail: dict[str, Any] | None = None,
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    facets = dict(run_facets or {})
    done = "COMPLETE"
    if fail is not None:
        facets["errorMessage"] = _facet(**fail)
        done = "FAIL"
    return [
        _event("START", start, run_id, job, inputs=inputs, run_facets=run_facets,
               job_facets=job_facets),
        _event(done, end, run_id, job, inputs=inputs, outputs=outputs, run_facets=facets,
               job_facets=job_facets),
    ]  # fmt: skip


RUN = {  # run ids, each a key
    "orders-1": "0a1b2c3d-0000-4000-8000-000000000001",
    "orders-2": "0a1b2c3d-0000-4000-8000-000000000002",
    "weekly-1": "0a1b2c3d-0000-4000-8000-000000000003",
    "weekly-2": "0a1b2c3d-0000-4000-8000-000000000004",
    "delivery-1": "0a1b2c3d-0000-4000-8000-000000000005",
}
SQL = "INSERT INTO delivery_7_days SELECT order_id, delivered_at FROM orders_7_days"
ERROR = {
    "message": "division by zero in delivery_time",
    "programmingLanguage": "python",
    "stackTrace": 'Traceback (most recent call last):\n  File "etl.py", line 12\nZeroDivisionError',
}
CODE = {"type": "git", "url": "https://git.example.com/food/etl/blob/main/delivery.py",
        "repoUrl": "https://git.example.com/food/etl.git", "path": "delivery.py",
        "version": "c0ffee", "branch": "main"}  # fmt: skip


def food_delivery() -> list[dict[str, Any]]:
    """Orders are loaded twice, summed into a weekly table twice, and a delivery job fails."""
    raw, orders = _dataset("public.orders_raw"), _dataset("public.orders", "order_id", "menu")
    menus, weekly = _dataset("public.menus"), _dataset("public.orders_7_days", "order_id")
    delivery = _dataset("public.delivery_7_days", "order_id", "delivered_at")
    events: list[dict[str, Any]] = []
    for n, day in ((1, "2026-03-01"), (2, "2026-03-02")):
        events += _run(RUN[f"orders-{n}"], "etl_orders", f"{day}T10:00:00Z", f"{day}T10:10:00Z",
                       inputs=[raw], outputs=[orders])  # fmt: skip
        events += _run(RUN[f"weekly-{n}"], "etl_orders_7_days", f"{day}T11:00:00Z",
                       f"{day}T11:10:00Z", inputs=[orders, menus], outputs=[weekly])  # fmt: skip
    events += _run(
        RUN["delivery-1"], "etl_delivery_7_days", "2026-03-02T12:00:00Z", "2026-03-02T12:05:00Z",
        inputs=[weekly], outputs=[delivery], fail=ERROR,
        run_facets={
            "nominalTime": _facet(nominalStartTime="2026-03-02T00:00:00Z",
                                  nominalEndTime="2026-03-03T01:00:00+01:00"),
            "parent": _facet(run={"runId": RUN["weekly-2"]},
                             job={"namespace": NS, "name": "etl_orders_7_days"}),
        },
        job_facets={"sql": _facet(query=SQL), "sourceCodeLocation": _facet(**CODE),
                    "documentation": _facet(description="Delivery times of the last week.")},
    )  # fmt: skip
    return events


def _send(client: TestClient, events: list[dict[str, Any]]) -> None:
    for event in events:
        response = client.post("/api/v1/lineage", json=event)
        assert response.status_code == 201, response.text


@pytest.fixture
def seeded(client: TestClient) -> Iterator[TestClient]:
    _send(client, food_delivery())
    yield client


def _stored(driver: Driver) -> nx.DiGraph:
    """The lineage edges as stored, read by the test's own driver: (run)-[USED|GENERATED|
    EXECUTED]->(node), each edge with its type."""
    rows, _, _ = driver.execute_query(
        "MATCH (r:Run)-[e:USED|GENERATED|EXECUTED]->(x:Node) "
        "RETURN r.uid AS run, type(e) AS type, x.uid AS x"
    )
    graph = nx.DiGraph()
    for row in rows:
        graph.add_edge(row["run"], row["x"], type=row["type"])
    return graph


def _upstream(stored: nx.DiGraph) -> nx.DiGraph:
    """Edges in the direction of an upstream walk: version -> the run that generated it ->
    what that run used and executed."""
    up = nx.DiGraph()
    for run, x, data in stored.edges(data=True):
        if data["type"] == "GENERATED":
            up.add_edge(x, run)
        else:
            up.add_edge(run, x)
    return up


def _downstream(stored: nx.DiGraph) -> nx.DiGraph:
    """version -> the runs that used it -> what they generated."""
    down = nx.DiGraph()
    for run, x, data in stored.edges(data=True):
        if data["type"] == "USED":
            down.add_edge(x, run)
        elif data["type"] == "GENERATED":
            down.add_edge(run, x)
    return down


LINEAGE = """query($id: ID!, $direction: Direction!, $versions: LineageVersions,
                   $level: LineageLevel, $after: String, $first: Int) {
  lineage(id: $id, direction: $direction, versions: $versions, level: $level, first: $first,
          after: $after) {
    nodes { id } edges { type source target } totalNodes hasNextPage endCursor } }"""


def _walk(
    client: TestClient, first: int = 3, **variables: Any
) -> tuple[list[str], set[tuple[str, str, str]]]:
    """Every page of a lineage answer: node ids in page order, and the edges (only those
    whose ends are on one page: ask for one page, `first` 500, to compare edges)."""
    nodes: list[str] = []
    edges: set[tuple[str, str, str]] = set()
    after = None
    while True:
        page = gql(client, LINEAGE, after=after, first=first, **variables)["lineage"]
        nodes += [n["id"] for n in page["nodes"]]
        edges |= {(e["type"], e["source"], e["target"]) for e in page["edges"]}
        if not page["hasNextPage"]:
            assert page["totalNodes"] == len(nodes)
            return nodes, edges
        after = page["endCursor"]


def _children(driver: Driver, parent: str) -> list[str]:
    rows, _, _ = driver.execute_query(
        "MATCH (c:Node)-[:VERSION_OF|RUN_OF]->(:Node {uid: $p}) RETURN c.uid AS uid", p=parent
    )
    return sorted(r["uid"] for r in rows)


WEEKLY = f"Dataset:{NS}/public.orders_7_days"
WEEKLY_JOB = f"Job:{NS}/etl_orders_7_days"


def test_lineage_from_a_dataset_is_the_union_over_its_versions(
    seeded: TestClient, clean_graph: Driver
) -> None:
    stored = _stored(clean_graph)
    up, down = _upstream(stored), _downstream(stored)
    versions = _children(clean_graph, WEEKLY)
    assert len(versions) == 2
    expected = set(versions).union(*(nx.descendants(up, v) for v in versions))
    nodes, _ = _walk(seeded, id=WEEKLY, direction="UPSTREAM")
    assert nodes == sorted(expected)
    # The same as asking for each version and taking the union of the answers.
    _, edges = _walk(seeded, first=500, id=WEEKLY, direction="UPSTREAM")
    per_version = [_walk(seeded, first=500, id=v, direction="UPSTREAM") for v in versions]
    assert set(nodes) == set(versions).union(*(set(n) for n, _ in per_version))
    assert edges == set().union(*(e for _, e in per_version))
    assert edges <= {(d["type"], a, b) for a, b, d in stored.edges(data=True)}
    # Downstream, and from the latest version only (the second week's).
    nodes, _ = _walk(seeded, id=WEEKLY, direction="DOWNSTREAM")
    assert nodes == sorted(set(versions).union(*(nx.descendants(down, v) for v in versions)))
    latest = f"DatasetVersion:{NS}/public.orders_7_days@{RUN['weekly-2']}"
    nodes, _ = _walk(seeded, id=WEEKLY, direction="UPSTREAM", versions="LATEST")
    assert nodes == sorted({latest} | nx.descendants(up, latest))
    assert f"Run:{RUN['weekly-1']}" not in nodes


def test_lineage_from_a_job_is_the_union_over_its_runs(
    seeded: TestClient, clean_graph: Driver
) -> None:
    stored = _stored(clean_graph)
    runs = _children(clean_graph, WEEKLY_JOB)
    assert runs == sorted(f"Run:{RUN[r]}" for r in ("weekly-1", "weekly-2"))
    # A run is its own first level: upstream of it is what it used, and beyond.
    up, down = _upstream(stored), _downstream(stored)
    for direction, graph in (("UPSTREAM", up), ("DOWNSTREAM", down)):
        expected = set(runs).union(*(nx.descendants(graph, r) for r in runs))
        nodes, _ = _walk(seeded, id=WEEKLY_JOB, direction=direction)
        assert nodes == sorted(expected), direction
        _, edges = _walk(seeded, first=500, id=WEEKLY_JOB, direction=direction)
        per_run = [_walk(seeded, first=500, id=r, direction=direction) for r in runs]
        assert edges == set().union(*(e for _, e in per_run))
    latest = f"Run:{RUN['weekly-2']}"
    nodes, _ = _walk(seeded, id=WEEKLY_JOB, direction="DOWNSTREAM", versions="LATEST")
    assert nodes == sorted({latest} | nx.descendants(down, latest))


def test_the_entity_level_view_draws_jobs_and_datasets(seeded: TestClient) -> None:
    d = {name: f"Dataset:{NS}/public.{name}" for name in
         ("orders_raw", "orders", "menus", "orders_7_days", "delivery_7_days")}  # fmt: skip
    j = {name: f"Job:{NS}/{name}" for name in
         ("etl_orders", "etl_orders_7_days", "etl_delivery_7_days")}  # fmt: skip
    nodes, edges = _walk(
        seeded, first=500, id=d["orders_7_days"], direction="UPSTREAM", level="ENTITY"
    )
    # Marquez's picture: dataset -> job for inputs, job -> dataset for outputs.
    assert nodes == sorted([j["etl_orders_7_days"], d["orders"], d["menus"], j["etl_orders"],
                            d["orders_raw"]])  # fmt: skip
    assert edges == {
        ("OUTPUT", j["etl_orders_7_days"], d["orders_7_days"]),
        ("INPUT", d["orders"], j["etl_orders_7_days"]),
        ("INPUT", d["menus"], j["etl_orders_7_days"]),
        ("OUTPUT", j["etl_orders"], d["orders"]),
        ("INPUT", d["orders_raw"], j["etl_orders"]),
    }
    nodes, edges = _walk(
        seeded, first=500, id=j["etl_orders_7_days"], direction="BOTH", level="ENTITY"
    )
    assert set(nodes) == set(d.values()) | {j["etl_orders"], j["etl_delivery_7_days"]}
    assert ("OUTPUT", j["etl_delivery_7_days"], d["delivery_7_days"]) in edges
    assert ("INPUT", d["orders_7_days"], j["etl_delivery_7_days"]) in edges


JOB = """query($key: String!, $after: String) { job(key: $key) {
  key description sql producer facets
  sourceCodeLocation { type url repoUrl path version tag branch }
  runs(first: 1, after: $after) { totalCount edges { cursor node { key } }
                                  pageInfo { hasNextPage endCursor } }
  latestRun { key }
  inputs { key } outputs { key } } }"""


def test_a_job_serves_its_runs_code_and_datasets(seeded: TestClient) -> None:
    job = gql(seeded, JOB, key=f"{NS}/etl_orders_7_days")["job"]
    assert job["runs"]["totalCount"] == 2
    assert [e["node"]["key"] for e in job["runs"]["edges"]] == [RUN["weekly-2"]]  # newest
    assert job["runs"]["pageInfo"]["hasNextPage"]
    assert job["latestRun"] == {"key": RUN["weekly-2"]}
    after = job["runs"]["pageInfo"]["endCursor"]
    older = gql(seeded, JOB, key=f"{NS}/etl_orders_7_days", after=after)["job"]["runs"]
    assert [e["node"]["key"] for e in older["edges"]] == [RUN["weekly-1"]]
    assert not older["pageInfo"]["hasNextPage"]
    assert [d["key"] for d in job["inputs"]] == [f"{NS}/public.menus", f"{NS}/public.orders"]
    assert [d["key"] for d in job["outputs"]] == [f"{NS}/public.orders_7_days"]
    failing = gql(seeded, JOB, key=f"{NS}/etl_delivery_7_days")["job"]
    assert failing["sql"] == SQL
    assert failing["description"] == "Delivery times of the last week."
    assert failing["sourceCodeLocation"] == {**CODE, "tag": None}
    assert failing["producer"] == PRODUCER
    assert failing["facets"]["sql"]["query"] == SQL


RUN_QUERY = """query($key: String!) { run(key: $key) {
  status producer parentRunId parentRun { key job { key } }
  nominalStartTime nominalEndTime
  error { message programmingLanguage stackTrace } facets } }"""


def test_a_failed_run_serves_its_error_nominal_time_and_parent(seeded: TestClient) -> None:
    run = gql(seeded, RUN_QUERY, key=RUN["delivery-1"])["run"]
    assert run["status"] == "failed"
    assert run["error"] == ERROR
    assert run["producer"] == PRODUCER
    assert run["nominalStartTime"] == "2026-03-02T00:00:00+00:00"
    assert run["nominalEndTime"] == "2026-03-03T00:00:00+00:00"
    assert run["parentRunId"] == RUN["weekly-2"]
    assert run["parentRun"] == {"key": RUN["weekly-2"],
                                "job": {"key": f"{NS}/etl_orders_7_days"}}  # fmt: skip
    assert run["facets"]["errorMessage"]["stackTrace"] == ERROR["stackTrace"]
    assert set(run["facets"]) >= {"errorMessage", "nominalTime", "parent"}
    fine = gql(seeded, RUN_QUERY, key=RUN["weekly-1"])["run"]
    assert fine["error"] is None and fine["nominalStartTime"] is None
    assert fine["parentRun"] is None and fine["parentRunId"] is None


FACETS = """query($d: String!, $v: String!) {
  dataset(key: $d) { producer facets }
  datasetVersion(key: $v) { producer facets schema { name } } }"""


def test_raw_facets_of_a_restricted_version_need_the_clearance(seeded: TestClient) -> None:
    gql(seeded, 'mutation { registerClassification(input: {key: "PII", restricted: true}) '
        "{ key } }")  # fmt: skip
    gql(seeded, 'mutation($t: ID!) { classify(target: $t, classifications: ["PII"], '
        'reason: "customer names") { id } }', t=f"Dataset:{NS}/public.orders")  # fmt: skip
    uncleared = account_token(seeded, "Person:fd-reader@acme.example", ["reader"])
    cleared = account_token(seeded, "Person:fd-cleared@acme.example", ["reader"], ["PII"])
    keys = {"d": f"{NS}/public.orders", "v": f"{NS}/public.orders@{RUN['orders-1']}"}
    hidden = post_as(seeded, uncleared, FACETS, **keys)["data"]
    assert hidden["datasetVersion"]["facets"] is None
    assert hidden["datasetVersion"]["schema"] is None
    assert "order_id" not in str(hidden)
    # The dataset's facets never carry a version's schema; the rest is there for everyone.
    assert "schema" not in hidden["dataset"]["facets"]
    assert hidden["dataset"]["facets"]["dataSource"]["name"] == SOURCE["name"]
    assert hidden["dataset"]["producer"] == PRODUCER
    shown = post_as(seeded, cleared, FACETS, **keys)["data"]
    fields = shown["datasetVersion"]["facets"]["schema"]["fields"]
    assert [f["name"] for f in fields] == ["order_id", "menu"]
    assert "schema" not in shown["dataset"]["facets"]
    log = gql(seeded, "query($t: ID!) { accessLog(target: $t) { actor field granted } }",
              t=f"DatasetVersion:{keys['v']}")["accessLog"]  # fmt: skip
    assert {"actor": "Person:fd-reader@acme.example", "field": "facets", "granted": False} in log


def test_classifications_and_impact_from_a_dataset(seeded: TestClient) -> None:
    raw = f"Dataset:{NS}/public.orders_raw"
    gql(seeded, 'mutation { registerClassification(input: {key: "PII"}) { key } }')
    gql(seeded, 'mutation($t: ID!) { classify(target: $t, classifications: ["PII"], '
        'reason: "addresses") { id } }', t=raw)  # fmt: skip
    paths = gql(seeded, """query($id: ID!) { classificationsUpstream(id: $id) {
        classification holder { id } path } }""", id=WEEKLY)["classificationsUpstream"]  # fmt: skip
    assert paths and {p["holder"]["id"] for p in paths} == {raw}
    weekly = set(_children_ids(seeded, WEEKLY))
    for p in paths:
        assert p["path"][0] == WEEKLY and p["path"][1] in weekly and p["path"][-1] == raw
    impact = gql(seeded, """query($id: ID!) { impact(id: $id) {
        datasetVersions { id } runs { id } } }""", id=raw)["impact"]  # fmt: skip
    assert weekly <= {v["id"] for v in impact["datasetVersions"]}
    both = post(seeded, '{ impact(id: "Dataset:x", datasetVersion: "x@1") { runs { id } } }')
    assert both["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def _children_ids(client: TestClient, dataset: str) -> list[str]:
    found = gql(client, "query($k: String!) { dataset(key: $k) { versions { id } } }",
                k=dataset.removeprefix("Dataset:"))["dataset"]["versions"]  # fmt: skip
    return [v["id"] for v in found]


JOBS = """{ nodes(kind: JOB, first: 100) { totalCount edges { node { ... on Job {
  key sql latestRun { key error { message } }
  runs(first: 5) { totalCount edges { node { key producer facets parentRun { key }
                                              job { key } } } }
  inputs { key facets } outputs { key } } } } } }"""


def _statements(client: TestClient, query: str, **variables: Any) -> int:
    body = post(client, query, **variables)
    assert "errors" not in body, body["errors"]
    count: int = body["extensions"]["neo4jStatements"]
    return count


def test_statements_do_not_grow_with_jobs_runs_or_versions(
    seeded: TestClient, clean_graph: Driver
) -> None:
    small_jobs = _statements(seeded, JOBS)
    small_lineage = _statements(seeded, LINEAGE, id=WEEKLY, direction="BOTH", level="ENTITY")
    more: list[dict[str, Any]] = []
    for i in range(12):  # twelve more jobs, each with two runs, reading the weekly table
        for n in (1, 2):
            run_id = f"0a1b2c3d-0000-4000-8000-1000000000{i:02d}{n}"
            more += _run(run_id, f"report_{i}", f"2026-03-0{2 + n}T09:00:00Z",
                         f"2026-03-0{2 + n}T09:05:00Z", inputs=[_dataset("public.orders_7_days")],
                         outputs=[_dataset(f"public.report_{i}", "n")],
                         run_facets={"parent": _facet(run={"runId": RUN["weekly-2"]})})  # fmt: skip
    _send(seeded, more)
    assert _statements(seeded, JOBS) == small_jobs
    assert _statements(seeded, LINEAGE, id=WEEKLY, direction="BOTH", level="ENTITY") == (
        small_lineage
    )
    # The node, the versions, the walk each way, the entities: five, whatever the sizes.
    assert small_lineage == 5
