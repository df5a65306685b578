"""POST /api/v1/lineage: OpenLineage RunEvents from the real client, in any order, on real Neo4j."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from neo4j import Driver
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    datasource_dataset,
    documentation_job,
    error_message_run,
    schema_dataset,
    source_code_location_job,
    sql_job,
)
from openlineage.client.transport.http import HttpConfig, HttpTransport

from lineage_catalog.app import create_app
from lineage_catalog.localneo4j import free_port
from lineage_catalog.settings import Settings
from lineage_catalog.store.files import query_text
from lineage_catalog.store.graph import Graph, open_driver
from lineage_catalog.store.questions import upstream
from tests.graphql_client import gql

PRODUCER = "https://example.com/lineage-catalog-tests"
RUN_QUERY = """
query($key: String!) {
  run(key: $key) {
    status runKind startedAt endedAt
    job { key name description }
    codeCommit { key sha }
    used { id ... on DatasetVersion { key version schema { name type } dataset { key } } }
    generated { id ... on DatasetVersion { key version } }
  }
}
"""


@pytest.fixture
def server_url(settings: Settings, clean_graph: Driver) -> Iterator[str]:
    """The app served by a real uvicorn on 127.0.0.1, stopped after the test (pass or fail)."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "uvicorn did not answer /healthz in 30 s"
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _schema(*fields: tuple[str, str]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in fields]
    )


def test_the_openlineage_client_reports_a_run_with_its_inputs_and_output(
    server_url: str, app_client: TestClient, admin_token: str, clean_graph: Driver
) -> None:
    client = OpenLineageClient(
        transport=HttpTransport(
            HttpConfig.from_dict(
                {"url": server_url, "auth": {"type": "api_key", "apiKey": admin_token}}
            )
        )
    )
    run_id = str(uuid.uuid4())
    job = Job(
        namespace="airflow",
        name="loans_daily.join",
        facets={
            "documentation": documentation_job.DocumentationJobFacet(description="Joins loans"),
            "sql": sql_job.SQLJobFacet(query="SELECT * FROM loans JOIN customers USING (id)"),
            "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
                type="git", url="https://github.com/acme/pipelines", version="abc123"
            ),
        },
    )
    source = {
        "dataSource": datasource_dataset.DatasourceDatasetFacet(
            name="postgres", uri="postgres://db:5432"
        )
    }
    inputs = [
        InputDataset(
            namespace="postgres://db:5432",
            name="public.loans",
            facets={**source, "schema": _schema(("id", "int"), ("amount", "numeric"))},
        ),
        InputDataset(
            namespace="postgres://db:5432",
            name="public.customers",
            facets={**source, "schema": _schema(("id", "int"), ("name", "text"))},
        ),
    ]
    outputs = [OutputDataset(namespace="s3://lake", name="loans joined", facets={})]
    for state, at in (
        (RunState.START, "2024-05-01T10:00:00Z"),
        (RunState.COMPLETE, "2024-05-01T10:05:00Z"),
    ):
        client.emit(
            RunEvent(
                eventType=state,
                eventTime=at,
                run=Run(runId=run_id),
                job=job,
                producer=PRODUCER,
                inputs=inputs,
                outputs=outputs,
            )
        )
    client.close()

    run = gql(app_client, RUN_QUERY, key=run_id)["run"]
    assert run["status"] == "completed"
    assert run["runKind"] == "transformation"
    assert run["startedAt"].startswith("2024-05-01T10:00:00")
    assert run["endedAt"].startswith("2024-05-01T10:05:00")
    assert run["job"] == {
        "key": "airflow/loans_daily.join",
        "name": "loans_daily.join",
        "description": "Joins loans",
    }
    assert run["codeCommit"] == {"key": "https://github.com/acme/pipelines@abc123", "sha": "abc123"}
    used = {u["key"]: u for u in run["used"]}
    loans = "postgres://db:5432/public.loans"
    assert set(used) == {f"{loans}@0", "postgres://db:5432/public.customers@0"}
    # The reader's view of a version it did not name stays on its USED link (it follows the
    # link when a producer's events re-link it); the version itself is only a placeholder.
    assert used[f"{loans}@0"]["schema"] == []
    assert used[f"{loans}@0"]["dataset"] == {"key": loans}
    links, _, _ = clean_graph.execute_query(
        "MATCH (:Run {key: $run})-[u:USED]->(v {key: $v}) "
        "RETURN u.implicit AS implicit, u.facets_json AS facets, v.placeholder AS placeholder",
        run=run_id,
        v=f"{loans}@0",
    )
    assert [(r["implicit"], r["placeholder"]) for r in links] == [(True, True)]
    fields = json.loads(links[0]["facets"])["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in fields] == [("id", "int"), ("amount", "numeric")]
    # Names may hold any character: the key is URL-quoted, the version is the run id.
    assert run["generated"] == [
        {
            "id": f"DatasetVersion:s3://lake/loans%20joined@{run_id}",
            "key": f"s3://lake/loans%20joined@{run_id}",
            "version": run_id,
        }
    ]
    dataset = gql(
        app_client, "query($k: String!) { dataset(key: $k) { name platform location } }", k=loans
    )["dataset"]
    assert dataset == {
        "name": "public.loans",
        "platform": "postgres",
        "location": "postgres://db:5432",
    }


def _event(
    event_type: str | None,
    at: str,
    run_id: str,
    *,
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    run_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventTime": at,
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": "spark", "name": "features.build"},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }
    if event_type is not None:
        event["eventType"] = event_type
    return event


def _dataset(name: str, **facets: Any) -> dict[str, Any]:
    return {"namespace": "hdfs://warehouse", "name": name, "facets": facets}


def _graph(driver: Driver) -> tuple[dict[str, dict[str, Any]], set[tuple[str, str, str]]]:
    """Every catalog node's stored properties (but when it was recorded) and relationship."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n:Node) WHERE n.roles IS NULL RETURN n.uid AS uid, properties(n) AS p"
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a:Node)-[r]->(b:Node) RETURN a.uid AS a, type(r) AS t, b.uid AS b"
    )
    props = {r["uid"]: {k: v for k, v in r["p"].items() if k != "recorded_at"} for r in nodes}
    return props, {(r["a"], r["t"], r["b"]) for r in rels}


def _post(client: TestClient, event: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_out_of_order_and_repeated_events_converge(client: TestClient, clean_graph: Driver) -> None:
    run_id = str(uuid.uuid4())
    schema = {"fields": [{"name": "id", "type": "long"}]}
    start = _event(
        "START",
        "2024-06-01T08:00:00+02:00",
        run_id,
        inputs=[_dataset("raw.events", schema=schema)],
        outputs=[_dataset("features.daily")],
        run_facets={
            "nominalTime": {"nominalStartTime": "2024-06-01T06:00:00Z"},
            "custom": {"attempt": 1},
        },
    )
    running = _event(
        "RUNNING", "2024-06-01T06:02:00Z", run_id, run_facets={"custom": {"attempt": 2}}
    )
    complete = _event(
        "COMPLETE",
        "2024-06-01T06:10:00Z",
        run_id,
        inputs=[_dataset("raw.events", schema=schema), _dataset("raw.users")],
        outputs=[_dataset("features.daily", schema=schema)],
        run_facets={"custom": {"attempt": 3}},
    )
    other = _event("OTHER", "2024-06-01T07:00:00Z", run_id, run_facets={"late": {"note": "x"}})

    for event in (start, running, complete, other):
        _post(client, event)
    in_order = _graph(clean_graph)

    # The same events again on an empty graph, out of order and repeated.
    with clean_graph.session() as session:
        session.run(query_text("admin/wipe_catalog")).consume()
    for event in (complete, other, start, complete, running, start, other):
        _post(client, event)
    shuffled = _graph(clean_graph)

    assert shuffled == in_order
    nodes, rels = shuffled
    run = nodes[f"Run:{run_id}"]
    assert run["status"] == "completed"
    assert run["started_at"].to_native().isoformat() == "2024-06-01T06:00:00+00:00"
    assert run["ended_at"].to_native().isoformat() == "2024-06-01T06:10:00+00:00"
    assert '"attempt": 3' in run["facets_json"] and '"late"' in run["facets_json"]
    # Replaying everything once more changes nothing at all.
    for event in (start, running, complete, other):
        _post(client, event)
    assert _graph(clean_graph) == shuffled
    assert (f"Run:{run_id}", "USED", "DatasetVersion:hdfs://warehouse/raw.events@0") in rels


def test_a_terminal_status_is_never_replaced_by_running(client: TestClient) -> None:
    run_id = str(uuid.uuid4())
    error = {"message": "division by zero", "programmingLanguage": "python"}
    _post(
        client, _event("FAIL", "2024-06-01T06:10:00Z", run_id, run_facets={"errorMessage": error})
    )
    body = _post(client, _event("RUNNING", "2024-06-01T06:20:00Z", run_id))
    assert body["status"] == "failed"
    body = _post(client, _event("START", "2024-06-01T06:00:00Z", run_id))
    assert body == {
        "run": run_id,
        "job": "spark/features.build",
        "status": "failed",
        "inputs": [],
        "outputs": [],
    }
    run = gql(client, "query($k: String!) { run(key: $k) { status startedAt } }", k=run_id)["run"]
    assert run["status"] == "failed" and run["startedAt"].startswith("2024-06-01T06:00:00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lambda e: e["run"].pop("runId"), "run.runId"),
        (lambda e: e.update(eventTime="yesterday at noon"), "eventTime"),
        (lambda e: e.update(eventType="FINISHED"), "eventType"),
        (lambda e: e["job"].pop("namespace"), "job.namespace"),
        (lambda e: e.pop("producer"), "producer"),
        (lambda e: e["inputs"].append({"namespace": "x"}), "inputs.0.name"),
        (
            lambda e: e["inputs"].append(_dataset("t", schema={"fields": "id"})),
            "inputs.0.facets.schema.fields",
        ),
        (lambda e: e["run"].update(runId="not a run id"), "run.runId"),
    ],
)
def test_malformed_events_are_rejected_and_write_nothing(
    client: TestClient, clean_graph: Driver, body: Any, field: str
) -> None:
    _post(client, _event("START", "2024-06-01T06:00:00Z", str(uuid.uuid4())))
    before = _graph(clean_graph)
    event = _event("COMPLETE", "2024-06-01T06:10:00Z", str(uuid.uuid4()))
    body(event)
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert response.json()["error"].startswith(field)
    assert _graph(clean_graph) == before


@pytest.mark.parametrize("payload", [b"{not json", b"[]", b""])
def test_a_body_that_is_not_a_json_event_is_rejected(
    client: TestClient, clean_graph: Driver, payload: bytes
) -> None:
    response = client.post(
        "/api/v1/lineage", content=payload, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]
    assert _graph(clean_graph) == ({}, set())


def test_a_run_reading_without_a_version_uses_the_version_another_run_wrote(
    client: TestClient, settings: Settings
) -> None:
    run_a, run_b = str(uuid.uuid4()), str(uuid.uuid4())
    _post(client, _event("START", "2024-06-01T05:00:00Z", run_a, inputs=[_dataset("raw.x")]))
    _post(
        client,
        _event(
            "COMPLETE",
            "2024-06-01T05:30:00Z",
            run_a,
            inputs=[_dataset("raw.x")],
            outputs=[_dataset("clean.x")],
        ),
    )
    for kind, at in (("START", "2024-06-01T06:00:00Z"), ("COMPLETE", "2024-06-01T06:30:00Z")):
        body = _post(
            client,
            _event(
                kind, at, run_b, inputs=[_dataset("clean.x")], outputs=[_dataset("model.inputs")]
            ),
        )
    written_by_a = f"hdfs://warehouse/clean.x@{run_a}"
    assert body["inputs"] == [written_by_a]

    # A later run of A's job writes a new version; B's replayed event keeps what B read.
    _post(
        client,
        _event(
            "COMPLETE", "2024-06-01T07:00:00Z", str(uuid.uuid4()), outputs=[_dataset("clean.x")]
        ),
    )
    body = _post(
        client, _event("COMPLETE", "2024-06-01T06:30:00Z", run_b, inputs=[_dataset("clean.x")])
    )
    assert body["inputs"] == [written_by_a]

    version = gql(
        client,
        "query($k: String!) { datasetVersion(key: $k) { generatedBy { key } usedBy { key } } }",
        k=written_by_a,
    )["datasetVersion"]
    assert version == {"generatedBy": {"key": run_a}, "usedBy": [{"key": run_b}]}

    async def trace() -> set[str]:
        driver = open_driver(settings)
        try:
            graph = Graph(driver, database=settings.neo4j_database)
            found = await upstream(
                graph, uids=[f"DatasetVersion:hdfs://warehouse/model.inputs@{run_b}"], depth=5
            )
            return {n.uid for n in found.nodes}
        finally:
            await driver.close()

    assert asyncio.run(trace()) >= {
        f"Run:{run_b}",
        f"DatasetVersion:{written_by_a}",
        f"Run:{run_a}",
        "DatasetVersion:hdfs://warehouse/raw.x@0",
    }


def test_a_dataset_version_facet_names_the_version(client: TestClient) -> None:
    run_id = str(uuid.uuid4())
    version = {"datasetVersion": "2024-06-01T00:00:00 snapshot"}
    body = _post(
        client,
        _event(
            "COMPLETE",
            "2024-06-01T06:10:00Z",
            run_id,
            inputs=[_dataset("raw.x", version=version)],
            outputs=[
                _dataset(
                    "out.y",
                    version={"datasetVersion": "17"},
                    columnLineage={"fields": {"id": {"inputFields": []}}},
                )
            ],
            run_facets={
                "parent": {
                    "run": {"runId": "parent-1"},
                    "job": {"namespace": "airflow", "name": "dag"},
                }
            },
        ),
    )
    assert body["inputs"] == ["hdfs://warehouse/raw.x@2024-06-01T00%3A00%3A00%20snapshot"]
    assert body["outputs"] == ["hdfs://warehouse/out.y@17"]
    out = gql(
        client,
        "query($k: String!) { datasetVersion(key: $k) { version generatedBy { key } } }",
        k="hdfs://warehouse/out.y@17",
    )["datasetVersion"]
    assert out == {"version": "17", "generatedBy": {"key": run_id}}


def test_gzip_bodies_from_the_client_are_accepted(
    server_url: str, clean_graph: Driver, admin_token: str
) -> None:
    config = HttpConfig.from_dict(
        {
            "url": server_url,
            "compression": "gzip",
            "auth": {"type": "api_key", "apiKey": admin_token},
        }
    )
    client = OpenLineageClient(transport=HttpTransport(config))
    run_id = str(uuid.uuid4())
    client.emit(
        RunEvent(
            eventType=RunState.START,
            eventTime="2024-06-01T06:00:00Z",
            run=Run(
                runId=run_id,
                facets={
                    "errorMessage": error_message_run.ErrorMessageRunFacet(
                        message="m", programmingLanguage="py"
                    )
                },
            ),
            job=Job(namespace="n", name="j"),
            producer=PRODUCER,
        )
    )
    client.close()
    records, _, _ = clean_graph.execute_query(
        "MATCH (r:Run {key: $k}) RETURN r.status AS status, r.error AS error", k=run_id
    )
    assert [(r["status"], r["error"]) for r in records] == [("running", "m")]


def test_concurrent_events_of_one_run_converge(
    server_url: str, clean_graph: Driver, auth_headers: dict[str, str]
) -> None:
    run_id = str(uuid.uuid4())
    read, written = [_dataset("raw.a"), _dataset("raw.b")], [_dataset("out.c")]
    events = [
        _event(kind, f"2024-06-01T06:0{i}:00Z", run_id, inputs=read, outputs=written,
               run_facets={f"f{i}": {"i": i}})
        for i, kind in enumerate(["START", "RUNNING", "COMPLETE", "OTHER"])
    ] * 3  # fmt: skip
    with (
        httpx.Client(base_url=server_url, headers=auth_headers) as http,
        ThreadPoolExecutor(max_workers=6) as pool,
    ):
        codes = list(pool.map(lambda e: http.post("/api/v1/lineage", json=e).status_code, events))
    assert codes == [201] * len(events)
    nodes, rels = _graph(clean_graph)
    run = nodes[f"Run:{run_id}"]
    assert run["status"] == "completed"
    assert all(f'"f{i}"' in run["facets_json"] for i in range(4))
    assert sorted(t for s, t, _ in rels if s == f"Run:{run_id}") == [
        "GENERATED", "RUN_OF", "USED", "USED"
    ]  # fmt: skip
    assert len(nodes) == 8  # the run, its job, three datasets and one version of each
