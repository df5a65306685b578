"""/openapi.json describes every REST route (body, parameters, answers, token), and every
answer a real request gets is one the document lists for its route, in the documented shape."""

from __future__ import annotations

import gzip
import importlib
import io
import json
import pkgutil
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jsonschema_rs  # schemathesis's own validator, installed with it
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from schemathesis.specs.openapi.schemas import OpenApiSchema

from lineage_catalog import localneo4j
from lineage_catalog.api import rest
from lineage_catalog.api.rest import ingest
from lineage_catalog.app import create_app
from lineage_catalog.ingest.arrow import LoadKind
from lineage_catalog.settings import Settings
from tests.governance_helpers import account_token
from tests.graphql_client import gql
from tests.test_marquez_api import MARQUEZ_ANSWERS

LOAD = ("POST", "/api/v1/load/{kind}")
LINEAGE = ("POST", "/api/v1/lineage")
BATCH = ("POST", "/api/v1/lineage/batch")
REPORT = ("GET", "/api/v1/reports/compliance/{model_version}")
# What each route can answer, read from its code paths (and the token check before them).
ANSWERS = {
    ("GET", "/healthz"): {200},
    ("GET", "/readyz"): {200, 503},
    ("GET", "/metrics"): {200},
    LOAD: {200, 207, 400, 401, 403, 413, 422, 429, 503},
    LINEAGE: {201, 400, 401, 403, 413, 429, 503, 504},
    BATCH: {200, 204, 400, 401, 403, 413, 429, 503},
    REPORT: {200, 400, 401, 403, 404, 422, 429, 503, 504},
    **MARQUEZ_ANSWERS,  # driven in tests/test_marquez_api.py
}
BULK_TYPES = {
    "application/vnd.apache.arrow.stream",
    "application/vnd.apache.arrow.file",
    "application/vnd.apache.parquet",
    "application/octet-stream",
}
BODIES = {LOAD: BULK_TYPES, LINEAGE: {"application/json"}, BATCH: {"application/json"}}
NEEDS_TOKEN = {LOAD, LINEAGE, BATCH, REPORT, *MARQUEZ_ANSWERS}
ERROR_BODIES = {"Error", "Refusal", "FieldError", "HTTPValidationError", "NotReady"}


@pytest.fixture(scope="module")
def document(app_client: TestClient) -> dict[str, Any]:
    response = app_client.get("/openapi.json")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


@pytest.fixture(scope="module")
def api(document: dict[str, Any]) -> OpenApiSchema:
    return schemathesis.openapi.from_dict(document)


def _operation(document: dict[str, Any], route: tuple[str, str]) -> dict[str, Any]:
    method, path = route
    operation: dict[str, Any] = document["paths"][path][method.lower()]
    return operation


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    found: dict[str, Any] = document
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found


Check = Callable[[tuple[str, str], httpx.Response], None]


@pytest.fixture(scope="module")
def documented(document: dict[str, Any], api: OpenApiSchema) -> Check:
    """Asserts the answer's status is one the document lists for the route, and its body
    and content type are the documented ones."""

    def check(route: tuple[str, str], response: httpx.Response) -> None:
        method, path = route
        listed = _operation(document, route)["responses"]
        assert str(response.status_code) in listed, (
            f"{method} {path} answered {response.status_code}, documented: {sorted(listed)}; "
            f"{response.text[:300]}"
        )
        media = response.headers.get("content-type", "").partition(";")[0].strip()
        assert media in listed[str(response.status_code)].get("content", {media: None}), (
            f"{method} {path} {response.status_code} answered {media}"
        )
        api[path][method].validate_response(response)

    return check


# --- the document -------------------------------------------------------------------------


def test_the_document_is_valid_openapi(api: OpenApiSchema) -> None:
    # The OpenAPI 3.1 meta-schema check schemathesis runs (openapi-spec-validator is not
    # a dependency); every operation loads, and a body strategy exists for each POST.
    api.validate()
    for result in api.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in BODIES:
            assert list(operation.body), operation.label
            operation.as_strategy()


def test_every_rest_route_is_in_the_table_and_the_document(document: dict[str, Any]) -> None:
    routes = set()
    for module in pkgutil.iter_modules(rest.__path__):
        router = getattr(importlib.import_module(f"{rest.__name__}.{module.name}"), "router", None)
        for route in getattr(router, "routes", []):
            assert isinstance(route, APIRoute)
            # path_format: a {name:path} parameter is {name} in the document.
            routes |= {(method, route.path_format) for method in route.methods - {"HEAD"}}
    assert routes == set(ANSWERS)
    # The REST routes and nothing else: /graphql is described by its SDL (schema.graphql).
    assert set(document["paths"]) == {path for _, path in routes}


@pytest.mark.parametrize("route", sorted(ANSWERS), ids=" ".join)
def test_each_route_documents_its_answers_body_and_token(
    document: dict[str, Any], route: tuple[str, str]
) -> None:
    operation = _operation(document, route)
    assert {int(s) for s in operation["responses"]} == ANSWERS[route]
    for status, response in operation["responses"].items():
        assert response["description"], status
        if int(status) >= 400:
            (content,) = response["content"].values()
            assert content["schema"]["$ref"].rsplit("/", 1)[1] in ERROR_BODIES
    if route in BODIES:
        body = operation["requestBody"]
        assert body["required"] is True
        assert set(body["content"]) == BODIES[route]
    else:
        assert "requestBody" not in operation
    if route in NEEDS_TOKEN:
        assert operation["security"] == [{"bearerAuth": []}]
        assert "www-authenticate" in {h.lower() for h in operation["responses"]["401"]["headers"]}
    else:
        assert "security" not in operation
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_parameters_are_the_ones_the_routes_read(document: dict[str, Any]) -> None:
    load = {p["name"]: p for p in _operation(document, LOAD)["parameters"]}
    assert set(load) == {"kind", "reason"}
    assert load["kind"]["in"] == "path" and load["kind"]["required"] is True
    kind = _resolve(document, load["kind"]["schema"])
    assert set(kind["enum"]) == {k.value for k in LoadKind}
    assert load["reason"]["in"] == "query" and load["reason"]["required"] is False
    assert {"type": "string", "maxLength": 2000} in load["reason"]["schema"]["anyOf"]
    assert "parameters" not in _operation(document, LINEAGE)
    assert "parameters" not in _operation(document, BATCH)
    report = {p["name"]: p for p in _operation(document, REPORT)["parameters"]}
    assert set(report) == {"model_version", "format"}
    assert set(_resolve(document, report["format"]["schema"])["enum"]) == {
        "json",
        "markdown",
        "html",
        "pdf",
    }


def _event_schema(document: dict[str, Any]) -> dict[str, Any]:
    """The one-event body: any of RunEvent, DatasetEvent, JobEvent."""
    body = _operation(document, LINEAGE)["requestBody"]
    schema: dict[str, Any] = body["content"]["application/json"]["schema"]
    return schema


def _kind_schema(document: dict[str, Any], kind: int) -> dict[str, Any]:
    """The schema of one kind (0 RunEvent, 1 DatasetEvent, 2 JobEvent), without how the
    kind is told."""
    found: dict[str, Any] = _event_schema(document)["anyOf"][kind]["allOf"][0]
    return found


def test_the_batch_body_is_an_array_of_the_same_events(document: dict[str, Any]) -> None:
    body = _operation(document, BATCH)["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema["type"] == "array" and schema["maxItems"] == 1000
    assert schema["items"] == _event_schema(document)


def test_the_event_schema_tells_the_kinds_apart_as_the_mapper_does(
    document: dict[str, Any],
) -> None:
    validator = jsonschema_rs.validator_for(_event_schema(document))
    by_kind = [jsonschema_rs.validator_for(_kind_schema(document, i)) for i in range(3)]
    dataset = {"eventTime": "2026-05-01T10:00:00Z", "producer": "p",
               "dataset": {"namespace": "openapi", "name": "d"}}  # fmt: skip
    job = {"eventTime": "2026-05-01T10:00:00Z", "producer": "p",
           "job": {"namespace": "openapi", "name": "j"}}  # fmt: skip
    for event, kind in [(_event(), 0), (dataset, 1), (job, 2)]:
        assert validator.is_valid(event), event
        assert [v.is_valid(event) for v in by_kind].count(True) >= 1
        assert by_kind[kind].is_valid(event)
    # A schemaURL naming another kind makes the body that kind (and this one invalid).
    assert not validator.is_valid({**job, "schemaURL": SPEC + "DatasetEvent"})
    assert validator.is_valid({**job, "schemaURL": SPEC + "JobEvent"})
    assert not validator.is_valid({**dataset, "eventType": "START"})


def test_the_run_event_schema_has_the_mappers_fields(document: dict[str, Any]) -> None:
    schema = _kind_schema(document, 0)
    assert set(schema["required"]) == {"eventTime", "producer", "run", "job"}
    assert schema["additionalProperties"] is True
    props = schema["properties"]
    assert props["run"]["required"] == ["runId"]
    assert set(props["job"]["required"]) == {"namespace", "name"}
    dataset = props["outputs"]["anyOf"][0]["items"]
    assert set(dataset["required"]) == {"namespace", "name"}
    facets = dataset["properties"]["facets"]["anyOf"][0]
    assert {"schema", "dataSource", "documentation", "version", "ownership"} <= set(
        facets["properties"]
    )
    assert facets["additionalProperties"] == {"type": "object"}
    assert "outputStatistics" in dataset["properties"]["outputFacets"]["anyOf"][0]["properties"]
    static = _kind_schema(document, 1)["properties"]["dataset"]["properties"]["facets"]
    column = static["anyOf"][0]["properties"]["columnLineage"]["anyOf"][0]
    assert column["required"] == ["fields"]
    field = column["properties"]["fields"]["additionalProperties"]
    assert field["required"] == ["inputFields"]
    assert set(field["properties"]["inputFields"]["items"]["required"]) == {
        "namespace", "name", "field"
    }  # fmt: skip
    assert set(_kind_schema(document, 2)["required"]) == {"eventTime", "producer", "job"}


# --- answers to real requests -------------------------------------------------------------
SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/"


def _event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventType": "COMPLETE",
        "eventTime": "2026-05-01T10:00:00Z",
        "run": {"runId": str(uuid.uuid4()), "facets": {"errorMessage": {"message": "none"}}},
        "job": {"namespace": "openapi", "name": "job",
                "facets": {"documentation": {"description": "a job"}}},
        "inputs": [{"namespace": "openapi", "name": "raw", "facets": {"schema": {"fields": [
            {"name": "address", "type": "struct", "fields": [{"name": "city"}]}]}}}],
        "outputs": [{"namespace": "openapi", "name": "clean",
                     "outputFacets": {"outputStatistics": {"rowCount": 3}}}],
        "producer": "https://example.com/openapi-test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }  # fmt: skip
    event.update(changes)
    return event


def _dataset_event() -> dict[str, Any]:
    return {
        "eventTime": "2026-05-01T10:00:00Z",
        "producer": "https://example.com/openapi-test",
        "schemaURL": SPEC + "DatasetEvent",
        "dataset": {"namespace": "openapi", "name": "static",
                    "facets": {"version": {"datasetVersion": "1"}, "columnLineage": {
                        "fields": {"a": {"inputFields": [{"namespace": "openapi", "name": "raw",
                                                          "field": "a"}]}}}}},
    }  # fmt: skip


def _job_event() -> dict[str, Any]:
    return {
        "eventTime": "2026-05-01T10:00:00Z",
        "producer": "https://example.com/openapi-test",
        "schemaURL": SPEC + "JobEvent",
        "job": {"namespace": "openapi", "name": "static", "facets": {"sql": {"query": "SELECT 1"}}},
        "inputs": [{"namespace": "openapi", "name": "raw"}],
        "outputs": [{"namespace": "openapi", "name": "static"}],
    }


def test_batch_answers_are_documented(
    client: TestClient, document: dict[str, Any], documented: Check
) -> None:
    batch = jsonschema_rs.validator_for(
        _operation(document, BATCH)["requestBody"]["content"]["application/json"]["schema"]
    )
    good = [_event(), _dataset_event(), _job_event()]
    assert batch.is_valid(good)
    response = client.post("/api/v1/lineage/batch", json=good)
    assert response.status_code == 204, response.text
    documented(BATCH, response)
    one_bad = [_event(), {**_dataset_event(), "dataset": {"name": "no namespace"}}]
    assert not batch.is_valid(one_bad)
    response = client.post("/api/v1/lineage/batch", json=one_bad)
    assert response.status_code == 200, response.text
    assert response.json()["failed_events"][0]["index"] == 1
    documented(BATCH, response)
    json_type = {"Content-Type": "application/json"}
    for content, headers, status in [
        (b"{not json", json_type, 400),
        (b"{}", json_type, 400),
        (b"\x1f\x8b not gzip", {**json_type, "Content-Encoding": "gzip"}, 400),
        (gzip.compress(json.dumps(good).encode()), {**json_type, "Content-Encoding": "gzip"}, 204),
        (json.dumps([_dataset_event()] * 1001).encode(), json_type, 413),
        (b" " * (64 * 1024 * 1024 + 1), json_type, 413),
    ]:
        response = client.post("/api/v1/lineage/batch", content=content, headers=headers)
        assert response.status_code == status, response.text
        documented(BATCH, response)


def _without_run(event: dict[str, Any]) -> None:
    del event["run"]


def _bad_facet(event: dict[str, Any]) -> None:
    event["inputs"][0]["facets"]["schema"]["fields"] = "address"


def _facet_not_an_object(event: dict[str, Any]) -> None:
    event["run"]["facets"] = {"parent": "r-1"}


def _unknown_event_type(event: dict[str, Any]) -> None:
    event["eventType"] = "BEGIN"


@pytest.mark.parametrize(
    "spoil", [_without_run, _bad_facet, _facet_not_an_object, _unknown_event_type]
)
def test_events_the_schema_refuses_are_refused_as_documented(
    client: TestClient, document: dict[str, Any], documented: Check, spoil: Any
) -> None:
    validator = jsonschema_rs.validator_for(_event_schema(document))
    event = _event()
    assert validator.is_valid(event)
    spoil(event)
    assert not validator.is_valid(event)
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 400
    documented(LINEAGE, response)


def test_lineage_answers_are_documented(
    client: TestClient, document: dict[str, Any], documented: Check
) -> None:
    validator = jsonschema_rs.validator_for(_event_schema(document))
    event = _event()
    assert validator.is_valid(event)
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 201, response.text
    documented(LINEAGE, response)
    for static in (_dataset_event(), _job_event()):
        assert validator.is_valid(static)
        response = client.post("/api/v1/lineage", json=static)
        assert response.status_code == 201, response.text
        documented(LINEAGE, response)
    zipped = client.post(
        "/api/v1/lineage",
        content=gzip.compress(json.dumps(_event()).encode()),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert zipped.status_code == 201, zipped.text
    documented(LINEAGE, zipped)

    json_type = {"Content-Type": "application/json"}
    for content, headers in [
        (b"{not json", json_type),
        (b"", json_type),
        (b"\x1f\x8b not gzip", {**json_type, "Content-Encoding": "gzip"}),
        (b" " * (16 * 1024 * 1024 + 1), json_type),
        (gzip.compress(b" " * (16 * 1024 * 1024 + 1)), {**json_type, "Content-Encoding": "gzip"}),
        (json.dumps(_event(job={"namespace": "n", "name": "x" * 300})).encode(), json_type),
    ]:
        response = client.post("/api/v1/lineage", content=content, headers=headers)
        assert 400 <= response.status_code < 500, response.text
        documented(LINEAGE, response)


def test_token_refusals_are_documented(client: TestClient, documented: Check) -> None:
    reader = {"Authorization": f"Bearer {account_token(client, 'ServiceAccount:oa-r', ['reader'])}"}
    for headers, status in [({"Authorization": ""}, 401), ({"Authorization": "Bearer x"}, 401),
                            (reader, 403)]:  # fmt: skip
        response = client.post("/api/v1/lineage", json=_event(), headers=headers)
        assert response.status_code == status
        documented(LINEAGE, response)
        response = client.post("/api/v1/load/features", content=_stream(FEATURES), headers=headers)
        assert response.status_code == status
        documented(LOAD, response)
        response = client.post("/api/v1/lineage/batch", json=[_event()], headers=headers)
        assert response.status_code == status
        documented(BATCH, response)
    response = client.get("/api/v1/reports/compliance/m@1", headers={"Authorization": ""})
    assert response.status_code == 401
    documented(REPORT, response)


FEATURES = [{"key": "f.openapi", "name": "One", "dtype": "float", "tags": ["a"]}]
ONE_BAD = [*FEATURES, {"key": "f bad", "name": "bad key", "dtype": "float", "tags": []}]


def _stream(rows: list[dict[str, Any]]) -> bytes:
    sink = io.BytesIO()
    table = pa.Table.from_pylist(rows)
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _file(rows: list[dict[str, Any]]) -> bytes:
    sink = io.BytesIO()
    table = pa.Table.from_pylist(rows)
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _parquet(rows: list[dict[str, Any]]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue()


def test_load_answers_are_documented(
    client: TestClient, documented: Check, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    for media, body in [
        ("application/vnd.apache.arrow.stream", _stream(FEATURES)),
        ("application/vnd.apache.arrow.file", _file(FEATURES)),
        ("application/vnd.apache.parquet", _parquet(FEATURES)),
        ("application/octet-stream", _stream(FEATURES)),
    ]:
        response = client.post("/api/v1/load/features", content=body,
                               headers={"Content-Type": media})  # fmt: skip
        assert response.status_code == 200, (media, response.text)
        documented(LOAD, response)

    stream = {"Content-Type": "application/vnd.apache.arrow.stream"}
    for url, body, params, status in [
        ("/api/v1/load/features", _stream(ONE_BAD), {}, 207),
        ("/api/v1/load/features", b"not arrow", {}, 400),
        ("/api/v1/load/features", b"", {}, 400),
        ("/api/v1/load/no_such_kind", _stream(FEATURES), {}, 422),
        ("/api/v1/load/features", _stream(FEATURES), {"reason": "x" * 2001}, 422),
    ]:
        response = client.post(url, content=body, params=params, headers=stream)
        assert response.status_code == status, (url, response.text)
        documented(LOAD, response)

    monkeypatch.setattr(ingest, "MAX_BODY_BYTES", 64)
    with TestClient(create_app(settings), headers=client.headers) as small:
        response = small.post("/api/v1/load/features", content=_stream(FEATURES), headers=stream)
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    documented(LOAD, response)


def test_requests_past_their_time_answer_504_as_documented(
    client: TestClient, documented: Check, settings: Settings
) -> None:
    gql(client, 'mutation { registerModel(input: {key: "oa-late"}) { key } }')
    gql(
        client, 'mutation { registerModelVersion(input: {model: "oa-late", version: "1"}) { key } }'
    )
    late = settings.model_copy(update={"request_timeout_s": 1e-6})
    sent = _event()
    with TestClient(create_app(late), headers=client.headers) as hurried:
        event = hurried.post("/api/v1/lineage", json=sent)
        report = hurried.get("/api/v1/reports/compliance/oa-late@1")
    for route, response in [(LINEAGE, event), (REPORT, report)]:
        assert response.status_code == 504, response.text
        assert response.json()["code"] == "TIMEOUT"
        documented(route, response)
    run = gql(client, "query($k: String!) { run(key: $k) { key } }", k=sent["run"]["runId"])
    assert run["run"] is None, "nothing was written"


def test_report_and_health_answers_are_documented(client: TestClient, documented: Check) -> None:
    gql(client, 'mutation { registerModel(input: {key: "oa-m"}) { key } }')
    gql(client, 'mutation { registerModelVersion(input: {model: "oa-m", version: "1"}) { key } }')
    for format in ("html", "markdown", "json"):
        response = client.get("/api/v1/reports/compliance/oa-m@1", params={"format": format})
        assert response.status_code == 200, response.text
        documented(REPORT, response)
    for model_version, params, status in [
        ("oa-m@1", {}, 200),
        ("oa-m@2", {}, 404),
        ("oa-m@1", {"format": "docx"}, 422),
    ]:
        response = client.get(f"/api/v1/reports/compliance/{model_version}", params=params)
        assert response.status_code == status, response.text
        documented(REPORT, response)
    for path in ("/healthz", "/readyz", "/metrics"):
        response = client.get(path)
        assert response.status_code == 200
        documented(("GET", path), response)


@pytest.fixture(scope="module")
def no_database() -> Iterator[Callable[[bool], TestClient]]:
    """Apps whose Neo4j does not answer (nothing listens on the port), with or without
    authentication."""
    clients: list[TestClient] = []

    def app(auth_enabled: bool) -> TestClient:
        settings = Settings(
            neo4j_uri=f"bolt://127.0.0.1:{localneo4j.free_port()}",
            neo4j_connection_timeout_s=1.0,
            neo4j_retry_time_s=0,
            migrate_on_start=False,
            auth_enabled=auth_enabled,
        )
        client = TestClient(create_app(settings), headers={"Authorization": "Bearer lcat_x"})
        clients.append(client.__enter__())
        return client

    yield app
    for client in clients:
        client.__exit__(None, None, None)


@pytest.mark.parametrize("auth_enabled", [True, False], ids=["token check", "handler"])
def test_answers_without_a_database_are_documented(
    no_database: Callable[[bool], TestClient], documented: Check, auth_enabled: bool
) -> None:
    client = no_database(auth_enabled)
    response = client.post("/api/v1/lineage", json=_event())
    assert response.status_code == 503, response.text
    documented(LINEAGE, response)
    response = client.post("/api/v1/lineage/batch", json=[_event(), _job_event()])
    if auth_enabled:  # the token check finds no database
        assert response.status_code == 503, response.text
    else:  # each event finds none: all retriable
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "failure"
        assert [(f["index"], f["retriable"]) for f in body["failed_events"]] == [
            (0, True), (1, True)
        ]  # fmt: skip
    documented(BATCH, response)
    response = client.post("/api/v1/load/features", content=_stream(FEATURES))
    assert response.status_code == 503, response.text
    documented(LOAD, response)
    response = client.get("/api/v1/reports/compliance/oa-m@1")
    assert response.status_code == 503, response.text
    documented(REPORT, response)
    response = client.get("/readyz")
    assert response.status_code == 503
    documented(("GET", "/readyz"), response)
