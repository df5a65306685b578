"""Marquez's read API: events sent with openlineage-python are read back with Marquez's own
client (marquez-python) over HTTP against uvicorn and the real Neo4j; every answer is
checked against Marquez's response shapes (written below from Marquez's spec/openapi.yml,
which is not vendored) and against /openapi.json; lineage against what the events imply."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis
import uvicorn
from fastapi.testclient import TestClient
from marquez_client import MarquezClient
from marquez_client.errors import APIError
from neo4j import Driver
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    datasource_dataset,
    error_message_run,
    schema_dataset,
    sql_job,
)
from openlineage.client.transport.http import HttpConfig, HttpTransport

from lineage_catalog.api.rest import marquez as marquez_routes
from lineage_catalog.api.rest.marquez_shapes import PARTS_OF_PROP
from lineage_catalog.app import create_app
from lineage_catalog.auth.policy import RESTRICTED_PROPS
from lineage_catalog.domain.model import Kind
from lineage_catalog.localneo4j import free_port
from lineage_catalog.settings import Settings
from tests.governance_helpers import account_token
from tests.graphql_client import gql

NS = "food_delivery"
PG = "postgres://db:5432"
PRODUCER = "https://example.com/lineage-catalog-tests"
CANARY = "ssn_canary_9c1d"

# Marquez's response shapes, as its spec/openapi.yml describes them (the properties its
# clients read, with their types; extra properties allowed as there).
_TIME = {"type": ["string", "null"], "format": "date-time"}
_ID = {
    "type": "object",
    "required": ["namespace", "name"],
    "properties": {"namespace": {"type": "string"}, "name": {"type": "string"}},
}
_VERSION_ID = {
    "type": "object",
    "required": ["namespace", "name", "version"],
    "properties": {
        "namespace": {"type": "string"},
        "name": {"type": "string"},
        "version": {"type": ["string", "null"]},
    },
}
_FIELD = {
    "type": "object",
    "required": ["name", "type", "tags"],
    "properties": {
        "name": {"type": "string"},
        "type": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "description": {"type": ["string", "null"]},
    },
}
_FACETS = {"type": "object", "additionalProperties": {"type": "object"}}
RUN = {
    "type": "object",
    "required": [
        "id",
        "createdAt",
        "updatedAt",
        "state",
        "startedAt",
        "endedAt",
        "durationMs",
        "args",
        "facets",
    ],
    "properties": {
        "id": {"type": "string"},
        "createdAt": _TIME,
        "updatedAt": _TIME,
        "nominalStartTime": _TIME,
        "nominalEndTime": _TIME,
        "state": {"enum": ["NEW", "RUNNING", "COMPLETED", "FAILED", "ABORTED"]},
        "startedAt": _TIME,
        "endedAt": _TIME,
        "durationMs": {"type": ["integer", "null"]},
        "args": {"type": "object"},
        "jobVersion": {"anyOf": [_VERSION_ID, {"type": "null"}]},
        "inputVersions": {"type": "array", "items": _VERSION_ID},
        "outputVersions": {"type": "array", "items": _VERSION_ID},
        "facets": _FACETS,
    },
}
DATASET = {
    "type": "object",
    "required": [
        "id",
        "type",
        "name",
        "physicalName",
        "createdAt",
        "updatedAt",
        "namespace",
        "sourceName",
        "fields",
        "tags",
        "facets",
    ],
    "properties": {
        "id": _ID,
        "type": {"type": "string"},
        "name": {"type": "string"},
        "physicalName": {"type": "string"},
        "createdAt": _TIME,
        "updatedAt": _TIME,
        "namespace": {"type": "string"},
        "sourceName": {"type": "string"},
        "fields": {"type": "array", "items": _FIELD},
        "tags": {"type": "array", "items": {"type": "string"}},
        "lastModifiedAt": _TIME,
        "description": {"type": ["string", "null"]},
        "facets": _FACETS,
        "currentVersion": {"type": ["string", "null"]},
        "deleted": {"type": "boolean"},
    },
}
DATASET_VERSION = {
    "type": "object",
    "required": [
        "id",
        "type",
        "name",
        "physicalName",
        "createdAt",
        "version",
        "namespace",
        "sourceName",
        "description",
    ],
    "properties": {
        "id": _VERSION_ID,
        "version": {"type": "string"},
        "fields": {"type": "array", "items": _FIELD},
        "createdByRun": {"anyOf": [RUN, {"type": "null"}]},
        "facets": _FACETS,
    },
}
JOB = {
    "type": "object",
    "required": [
        "id",
        "type",
        "name",
        "createdAt",
        "updatedAt",
        "namespace",
        "inputs",
        "outputs",
        "location",
        "description",
        "latestRun",
        "facets",
    ],
    "properties": {
        "id": _ID,
        "type": {"type": "string"},
        "name": {"type": "string"},
        "createdAt": _TIME,
        "updatedAt": _TIME,
        "namespace": {"type": "string"},
        "inputs": {"type": "array", "items": _ID, "uniqueItems": True},
        "outputs": {"type": "array", "items": _ID, "uniqueItems": True},
        "location": {"type": ["string", "null"]},
        "latestRun": {"anyOf": [RUN, {"type": "null"}]},
        "facets": _FACETS,
    },
}
NAMESPACE = {
    "type": "object",
    "required": ["name", "createdAt", "updatedAt", "ownerName"],
    "properties": {"name": {"type": "string"}, "createdAt": _TIME, "updatedAt": _TIME},
}
_EDGE = {
    "type": "object",
    "required": ["origin", "destination"],
    "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}},
}
LINEAGE = {
    "type": "object",
    "required": ["graph"],
    "properties": {
        "graph": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "type", "data", "inEdges", "outEdges"],
                "properties": {
                    "id": {"type": "string"},
                    "type": {"enum": ["DATASET", "JOB", "DATASET_FIELD"]},
                    "data": {"type": "object"},
                    "inEdges": {"type": "array", "items": _EDGE},
                    "outEdges": {"type": "array", "items": _EDGE},
                },
            },
        }
    },
}
SEARCH = {
    "type": "object",
    "required": ["totalCount", "results"],
    "properties": {
        "totalCount": {"type": "integer"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "name", "updatedAt", "namespace", "nodeId"],
                "properties": {
                    "type": {"enum": ["DATASET", "JOB"]},
                    "name": {"type": "string"},
                    "updatedAt": _TIME,
                    "namespace": {"type": "string"},
                    "nodeId": {"type": "string"},
                },
            },
        },
    },
}


def _list(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [key, "totalCount"],
        "properties": {
            key: {"type": "array", "items": item},
            "totalCount": {"type": "integer", "minimum": 0},
        },
    }


def _valid(schema: dict[str, Any], answer: Any) -> Any:
    errors = [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(answer)]
    assert not errors, (errors[:3], json.dumps(answer)[:600])
    return answer  # fmt: skip


def _schema(*fields: str) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type="string") for n in fields]
    )


def _lineage_of(
    *fields: tuple[str, str, str, str],
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    """columnLineage: (column, input namespace, input dataset, input field)."""
    fn = column_lineage_dataset
    return fn.ColumnLineageDatasetFacet(fields={
        column: fn.Fields(inputFields=[fn.InputField(namespace=ns, name=name, field=field,
            transformations=[fn.Transformation(type="DIRECT", subtype="IDENTITY")])])
        for column, ns, name, field in fields})  # fmt: skip


# The pipeline: job -> (inputs, outputs, terminal state); the expected lineage is computed
# from this table (networkx), never from the catalog.
PIPELINE: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]], RunState]] = {
    "etl_orders": ([(PG, "public.orders_raw")], [(NS, "public.orders")], RunState.COMPLETE),
    "etl_customers": ([(PG, "public.customers_raw")], [(NS, "public.customers")],
                      RunState.COMPLETE),
    "etl_orders_7_days": ([(NS, "public.orders"), (NS, "public.customers")],
                          [(NS, "public.orders_7_days")], RunState.FAIL),
}  # fmt: skip
SCHEMAS = {
    "public.orders_raw": ("id", "amount"),
    "public.orders": ("order_id", "amount"),
    "public.customers_raw": ("id", "ssn"),
    "public.customers": ("customer_id", CANARY),
    "public.orders_7_days": ("order_id", "customer"),
}
COLUMN_LINEAGE = {
    "public.orders": [("order_id", PG, "public.orders_raw", "id")],
    "public.orders_7_days": [("order_id", NS, "public.orders", "order_id"),
                             ("customer", NS, "public.customers", CANARY)],
}  # fmt: skip
ERROR = "division by zero in the 7-day window"


def _dataset(ns: str, name: str, *, output: bool) -> InputDataset | OutputDataset:
    facets: dict[str, Any] = {
        "schema": _schema(*SCHEMAS[name]),
        "dataSource": datasource_dataset.DatasourceDatasetFacet(name=ns, uri=ns),
    }
    if output and name in COLUMN_LINEAGE:
        facets["columnLineage"] = _lineage_of(*COLUMN_LINEAGE[name])
    return (OutputDataset if output else InputDataset)(namespace=ns, name=name, facets=facets)


def _send(url: str, token: str) -> dict[str, str]:
    """Every job of PIPELINE run once (START, then its terminal event) through the real
    OpenLineage client; the runIds by job."""
    client = OpenLineageClient(transport=HttpTransport(HttpConfig.from_dict(
        {"url": url, "auth": {"type": "api_key", "apiKey": token}})))  # fmt: skip
    start = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    runs = {}
    for i, (job, (inputs, outputs, end)) in enumerate(PIPELINE.items()):
        run_id = str(uuid.uuid4())
        runs[job] = run_id
        ol_job = Job(
            namespace=NS,
            name=job,
            facets={"sql": sql_job.SQLJobFacet(query=f"INSERT INTO {outputs[0][1]}")},
        )
        for state, minutes in ((RunState.START, 0), (end, 5)):
            run_facets: dict[str, Any] = {}
            if state is RunState.FAIL:
                run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                    message=ERROR, programmingLanguage="python")  # fmt: skip
            client.emit(RunEvent(
                eventType=state,
                eventTime=(start + timedelta(hours=i, minutes=minutes)).isoformat(),
                run=Run(runId=run_id, facets=run_facets), job=ol_job, producer=PRODUCER,
                inputs=[_dataset(ns, n, output=False) for ns, n in inputs],
                outputs=[_dataset(ns, n, output=True) for ns, n in outputs]))  # fmt: skip
    return runs


def _expected_lineage(node: str, depth: int) -> tuple[set[str], set[tuple[str, str]]]:
    """The node ids within depth edges of node (edges taken either way) and the edges among
    them, from PIPELINE alone."""
    import networkx as nx

    graph = nx.DiGraph()
    for job, (inputs, outputs, _) in PIPELINE.items():
        job_id = f"job:{NS}:{job}"
        graph.add_edges_from((f"dataset:{ns}:{n}", job_id) for ns, n in inputs)
        graph.add_edges_from((job_id, f"dataset:{ns}:{n}") for ns, n in outputs)
    reached = set(nx.single_source_shortest_path_length(graph.to_undirected(), node, cutoff=depth))
    return reached, set(graph.subgraph(reached).edges)


@pytest.fixture
def server_url(settings: Settings, clean_graph: Driver) -> Iterator[str]:
    """The app behind a real uvicorn (marquez-python speaks HTTP), stopped after the test."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start in 30 s"
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def pipeline(server_url: str, admin_token: str) -> dict[str, str]:
    return _send(server_url, admin_token)


def test_marquez_python_lists_what_openlineage_python_sent(
    server_url: str,
    admin_token: str,
    pipeline: dict[str, str],
) -> None:
    client = MarquezClient(server_url, api_key=admin_token)
    namespaces = _valid(_list("namespaces", NAMESPACE), client.list_namespaces())
    assert [n["name"] for n in namespaces["namespaces"]] == sorted({NS, PG})
    assert client.get_namespace(PG)["name"] == PG

    datasets = _valid(_list("datasets", DATASET), client.list_datasets(NS))
    ours = sorted(n for _, (_, outs, _) in PIPELINE.items() for ns, n in outs if ns == NS)
    assert [d["name"] for d in datasets["datasets"]] == ours
    assert datasets["totalCount"] == len(ours)
    page = client.list_datasets(NS, limit=1, offset=1)
    assert [d["name"] for d in page["datasets"]] == ours[1:2] and page["totalCount"] == len(ours)
    raw = _valid(_list("datasets", DATASET), client.list_datasets(PG))
    assert [d["id"] for d in raw["datasets"]] == [
        {"namespace": PG, "name": "public.customers_raw"},
        {"namespace": PG, "name": "public.orders_raw"},
    ]
    orders = _valid(DATASET, client.get_dataset(NS, "public.orders"))
    assert [f["name"] for f in orders["fields"]] == list(SCHEMAS["public.orders"])
    assert orders["currentVersion"] == pipeline["etl_orders"]
    assert orders["lastModifiedAt"] is not None and orders["sourceName"] == NS
    versions = _valid(_list("versions", DATASET_VERSION),
                      client.list_dataset_versions(NS, "public.orders"))  # fmt: skip
    (version,) = versions["versions"]
    assert version["version"] == pipeline["etl_orders"]
    assert version["createdByRun"]["id"] == pipeline["etl_orders"]
    assert version["createdByRun"]["state"] == "COMPLETED"

    jobs = _valid(_list("jobs", JOB), client.list_jobs(NS))
    assert [j["name"] for j in jobs["jobs"]] == sorted(PIPELINE)
    job = _valid(JOB, client.get_job(NS, "etl_orders_7_days"))
    inputs, outputs, _ = PIPELINE["etl_orders_7_days"]
    assert sorted((i["namespace"], i["name"]) for i in job["inputs"]) == sorted(inputs)
    assert [(o["namespace"], o["name"]) for o in job["outputs"]] == outputs
    assert job["latestRun"]["id"] == pipeline["etl_orders_7_days"]
    assert job["facets"]["sql"]["query"] == "INSERT INTO public.orders_7_days"

    runs = _valid(_list("runs", RUN), client.list_job_runs(NS, "etl_orders_7_days"))
    (failed,) = runs["runs"]
    assert failed["state"] == "FAILED" and failed["durationMs"] == 5 * 60 * 1000
    assert failed["facets"]["errorMessage"]["message"] == ERROR
    run = _valid(RUN, client.get_job_run(pipeline["etl_orders"]))
    assert run["state"] == "COMPLETED"
    assert run["jobVersion"]["name"] == "etl_orders"
    assert run["outputVersions"] == [
        {"namespace": NS, "name": "public.orders", "version": pipeline["etl_orders"]}
    ]
    assert [i["name"] for i in run["inputVersions"]] == ["public.orders_raw"]

    columns = _valid(LINEAGE, client.get_column_lineage_by_dataset(NS, "public.orders"))
    by_id = {n["id"]: n for n in columns["graph"]}
    target = by_id[f"datasetField:{NS}:public.orders:order_id"]
    assert target["inEdges"] == [{"origin": f"datasetField:{PG}:public.orders_raw:id",
                                  "destination": target["id"]}]  # fmt: skip
    assert target["data"]["inputFields"][0]["transformationType"] == "DIRECT"
    one = client.get_column_lineage_by_dataset_field(NS, "public.orders_7_days", "order_id")
    assert {n["id"] for n in _valid(LINEAGE, one)["graph"]} == {
        f"datasetField:{NS}:public.orders_7_days:order_id",
        f"datasetField:{NS}:public.orders:order_id",
    }
    with pytest.raises(APIError):
        client.get_dataset(NS, "no.such.table")


def _get(url: str, path: str, token: str | None, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{url}{path}", params=params, headers=headers, timeout=30)


@pytest.mark.parametrize(
    ("node", "depth"),
    [(f"dataset:{NS}:public.orders_7_days", 20), (f"dataset:{NS}:public.orders_7_days", 1),
     (f"dataset:{NS}:public.orders", 2), (f"job:{NS}:etl_customers", 3),
     (f"dataset:{PG}:public.orders_raw", 20), (f"dataset:{PG}:public.orders_raw", 0)],
)  # fmt: skip
def test_lineage_of_a_node_is_what_the_events_imply(
    server_url: str,
    admin_token: str,
    pipeline: dict[str, str],
    node: str,
    depth: int,
) -> None:
    response = _get(server_url, "/api/v1/lineage", admin_token, nodeId=node, depth=depth)
    assert response.status_code == 200, response.text
    graph = _valid(LINEAGE, response.json())["graph"]
    nodes, edges = _expected_lineage(node, depth)
    assert {n["id"] for n in graph} == nodes
    assert {(e["origin"], e["destination"]) for n in graph for e in n["outEdges"]} == edges
    assert {(e["origin"], e["destination"]) for n in graph for e in n["inEdges"]} == edges
    for n in graph:
        _valid(DATASET if n["type"] == "DATASET" else JOB, n["data"])
        assert n["id"].startswith(n["type"].lower() + ":")


def test_search_and_events(server_url: str, admin_token: str, pipeline: dict[str, str]) -> None:
    found = _valid(SEARCH, _get(server_url, "/api/v1/search", admin_token, q="ORDERS").json())
    assert {r["nodeId"] for r in found["results"]} == {
        f"dataset:{NS}:public.orders", f"dataset:{NS}:public.orders_7_days",
        f"dataset:{PG}:public.orders_raw", f"job:{NS}:etl_orders", f"job:{NS}:etl_orders_7_days",
    }  # fmt: skip
    jobs = _get(server_url, "/api/v1/search", admin_token, q="etl%days", filter="JOB").json()
    assert [r["name"] for r in jobs["results"]] == ["etl_orders_7_days"]
    assert (
        _get(server_url, "/api/v1/search", admin_token, q="orders_7.days").json()["totalCount"] == 0
    )  # a dot is a dot, not any character
    events = _get(server_url, "/api/v1/events/lineage", admin_token, sortDirection="asc").json()
    assert events["totalCount"] == len(PIPELINE)
    assert [(e["job"]["name"], e["eventType"]) for e in events["events"]] == [
        (job, end.value) for job, (_, _, end) in PIPELINE.items()
    ]
    assert events["events"][-1]["run"]["facets"]["errorMessage"]["message"] == ERROR


def _classify_pii(client: TestClient) -> None:
    gql(client, 'mutation { registerClassification(input: {key: "PII", restricted: true}) '
        "{ key } }")  # fmt: skip
    gql(client, f'mutation {{ classify(target: "Dataset:{NS}/public.customers", '
        'classifications: ["PII"], reason: "customer identifiers") { id } }')  # fmt: skip


def _everything(url: str, token: str, runs: dict[str, str]) -> list[httpx.Response]:
    customers = "public.customers"
    paths: list[tuple[str, dict[str, Any]]] = [
        ("/api/v1/namespaces", {}),
        (f"/api/v1/namespaces/{NS}/datasets", {}),
        (f"/api/v1/namespaces/{NS}/datasets/{customers}", {}),
        (f"/api/v1/namespaces/{NS}/datasets/{customers}/versions", {}),
        (f"/api/v1/namespaces/{NS}/jobs", {}),
        (f"/api/v1/namespaces/{NS}/jobs/etl_customers/runs", {}),
        ("/api/v1/lineage", {"nodeId": f"dataset:{NS}:{customers}"}),
        ("/api/v1/column-lineage", {"nodeId": f"dataset:{NS}:{customers}"}),
        ("/api/v1/column-lineage", {"nodeId": f"dataset:{NS}:public.orders_7_days"}),
        ("/api/v1/search", {"q": "customers"}),
        ("/api/v1/events/lineage", {}),
        *((f"/api/v1/jobs/runs/{r}", {}) for r in runs.values()),
        *((f"/api/v1/jobs/runs/{r}/facets", {"type": t}) for r in runs.values()
          for t in ("run", "job")),
    ]  # fmt: skip
    answers = [_get(url, path, token, **params) for path, params in paths]
    for answer in answers:
        assert answer.status_code == 200, (answer.url, answer.text)
    return answers


def test_an_uncleared_reader_sees_no_restricted_schema(
    server_url: str,
    app_client: TestClient,
    pipeline: dict[str, str],
) -> None:
    _classify_pii(app_client)
    uncleared = account_token(app_client, "Person:marquez-reader@acme.example", ["reader"])
    cleared = account_token(app_client, "Person:marquez-cleared@acme.example", ["reader"],
                            ["PII"])  # fmt: skip
    for answer in _everything(server_url, uncleared, pipeline):
        assert CANARY not in answer.text, (answer.url, answer.text[:500])
    hidden = _get(server_url, f"/api/v1/namespaces/{NS}/datasets/public.customers",
                  uncleared).json()  # fmt: skip
    assert hidden["fields"] == [] and "schema" not in hidden["facets"]
    assert hidden["tags"] == ["PII"]
    column = _get(server_url, "/api/v1/column-lineage", uncleared,
                  nodeId=f"dataset:{NS}:public.orders_7_days").json()  # fmt: skip
    assert {n["id"] for n in column["graph"]} == {
        f"datasetField:{NS}:public.orders_7_days:order_id",
        f"datasetField:{NS}:public.orders:order_id",
        f"datasetField:{NS}:public.orders_7_days:customer",
    }
    shown = _get(server_url, f"/api/v1/namespaces/{NS}/datasets/public.customers",
                 cleared).json()  # fmt: skip
    assert [f["name"] for f in shown["fields"]] == list(SCHEMAS["public.customers"])
    assert any(CANARY in a.text for a in _everything(server_url, cleared, pipeline))


def test_every_restricted_property_has_a_marquez_meaning() -> None:
    assert set(RESTRICTED_PROPS) == {Kind.DATASET_VERSION}
    assert set(RESTRICTED_PROPS[Kind.DATASET_VERSION]) <= set(PARTS_OF_PROP)


def test_reads_need_a_reader_token(server_url: str) -> None:
    for path in ("/api/v1/namespaces", f"/api/v1/namespaces/{NS}/datasets", "/api/v1/search"):
        response = _get(server_url, path, None, q="x")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "UNAUTHENTICATED"


def test_node_ids_with_colons_in_the_namespace_are_read_every_way() -> None:
    assert marquez_routes.marquez_split("postgres://db:5432:public.orders")[0] == (
        "postgres://db:5432", "public.orders")  # fmt: skip
    assert ("a:b", "c") in marquez_routes.marquez_split("a:b:c")
    assert marquez_routes.like_pattern("a%b_c.d") == "(?is).*a.*b.c\\.d.*"


_READS = {200, 400, 401, 403, 422, 429, 503, 504}
# What each route can answer (tests/test_openapi.py's table holds these too).
MARQUEZ_ANSWERS = {
    ("GET", "/api/v1/namespaces"): _READS,
    ("GET", "/api/v1/namespaces/{namespace}"): _READS | {404},
    ("GET", "/api/v1/namespaces/{namespace}/datasets"): _READS,
    ("GET", "/api/v1/namespaces/{namespace}/datasets/{dataset}"): _READS | {404},
    ("GET", "/api/v1/namespaces/{namespace}/datasets/{dataset}/versions"): _READS | {404},
    ("GET", "/api/v1/namespaces/{namespace}/jobs"): _READS,
    ("GET", "/api/v1/namespaces/{namespace}/jobs/{job}"): _READS | {404},
    ("GET", "/api/v1/namespaces/{namespace}/jobs/{job}/runs"): _READS | {404},
    ("GET", "/api/v1/jobs/runs/{id}"): _READS | {404},
    ("GET", "/api/v1/jobs/runs/{id}/facets"): _READS | {404},
    ("GET", "/api/v1/lineage"): _READS | {404},
    ("GET", "/api/v1/column-lineage"): _READS | {404},
    ("GET", "/api/v1/search"): _READS,
    ("GET", "/api/v1/events/lineage"): _READS,
}


def test_answers_are_the_documented_ones(client: TestClient, pipeline: dict[str, str]) -> None:
    document = client.get("/openapi.json").json()
    api = schemathesis.openapi.from_dict(document)
    requests = [
        ("/api/v1/namespaces/{namespace}", f"/api/v1/namespaces/{NS}", {}, 200),
        ("/api/v1/namespaces/{namespace}", "/api/v1/namespaces/nowhere", {}, 404),
        ("/api/v1/namespaces", "/api/v1/namespaces", {"limit": 0}, 422),
        ("/api/v1/namespaces/{namespace}/datasets/{dataset}",
         f"/api/v1/namespaces/{NS}/datasets/none", {}, 404),
        ("/api/v1/namespaces/{namespace}/datasets/{dataset}/versions",
         f"/api/v1/namespaces/{NS}/datasets/public.orders/versions", {}, 200),
        ("/api/v1/namespaces/{namespace}/jobs/{job}", f"/api/v1/namespaces/{NS}/jobs/etl_orders",
         {}, 200),
        ("/api/v1/namespaces/{namespace}/jobs/{job}/runs",
         f"/api/v1/namespaces/{NS}/jobs/none/runs", {}, 404),
        ("/api/v1/jobs/runs/{id}", "/api/v1/jobs/runs/nope", {}, 404),
        ("/api/v1/jobs/runs/{id}/facets", "/api/v1/jobs/runs/nope/facets", {}, 404),
        ("/api/v1/lineage", "/api/v1/lineage", {"nodeId": "model:x:y"}, 400),
        ("/api/v1/lineage", "/api/v1/lineage", {"nodeId": f"job:{NS}:etl_orders", "depth": 2},
         200),
        ("/api/v1/lineage", "/api/v1/lineage", {"nodeId": f"job:{NS}:none"}, 404),
        ("/api/v1/column-lineage", "/api/v1/column-lineage", {"nodeId": f"job:{NS}:etl_orders"},
         200),
        ("/api/v1/search", "/api/v1/search", {"q": "orders", "sort": "UPDATE_AT"}, 200),
        ("/api/v1/events/lineage", "/api/v1/events/lineage", {"after": "2026-05-01T09:00:00Z"},
         200),
        ("/api/v1/namespaces/{namespace}/jobs", f"/api/v1/namespaces/{NS}/jobs", {}, 200),
        ("/api/v1/namespaces/{namespace}/datasets", f"/api/v1/namespaces/{NS}/datasets", {}, 200),
    ]  # fmt: skip
    assert {route for route in MARQUEZ_ANSWERS} >= {("GET", t) for t, *_ in requests}
    for template, path, params, status in requests:
        response = client.get(path, params=params)
        assert response.status_code == status, (path, response.text)
        listed = document["paths"][template]["get"]["responses"]
        assert {int(s) for s in listed} == MARQUEZ_ANSWERS[("GET", template)]
        api[template]["GET"].validate_response(response)
    unauthenticated = client.get("/api/v1/namespaces", headers={"Authorization": ""})
    assert unauthenticated.status_code == 401
    api["/api/v1/namespaces"]["GET"].validate_response(unauthenticated)


def test_paging_and_times_beyond_what_the_database_holds_are_client_errors(
    client: TestClient,
) -> None:
    # Found by the attack suite: these answered 500 (a SKIP beyond 32 bits, a time the driver
    # cannot convert).
    for path, params in [
        ("/api/v1/namespaces", {"offset": 371326718616}),
        ("/api/v1/namespaces", {"limit": 2**63}),
        ("/api/v1/namespaces/x/datasets", {"offset": 2**70}),
        ("/api/v1/events/lineage", {"offset": 3685999068066944000}),
    ]:
        response = client.get(path, params=params)
        assert response.status_code == 422, (path, response.text)
    for when in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        response = client.get("/api/v1/events/lineage", params={"after": when})
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "after"
    assert client.get("/api/v1/namespaces", params={"offset": 10**9}).status_code == 200
