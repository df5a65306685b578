"""One write model: every write rule, tried through every interface that can express it.

Each cell sends one bad write through one interface (GraphQL, an Arrow IPC bulk load, a
Parquet bulk load, an OpenLineage event, the SDK) and checks that it is refused with the
same code as everywhere else, naming the input, and that a fingerprint of the whole graph
(audit trail included) is the same after as before: nothing was written.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.localneo4j import free_port
from lineage_catalog.sdk import CatalogClient, CatalogError
from lineage_catalog.settings import Settings
from tests.fingerprint import fingerprint
from tests.governance_helpers import account_token
from tests.graphql_client import gql, post
from tests.test_sdk import serve, wait_healthy

SETUP = """mutation {
  registerPerson(input: {email: "ada@rules.example"}) { id }
  registerJob(input: {key: "j"}) { id }
  registerDataset(input: {key: "raw"}) { id }
  registerDatasetVersion(input: {dataset: "raw", version: "v1"}) { id }
  recordRun(input: {runId: "r1", job: "j", runKind: TRAINING}) { id }
  registerModel(input: {key: "m"}) { id }
  registerModelVersion(input: {model: "m", version: "1"}) { id }
  registerDeployment(input: {name: "api", environment: "prod"}) { id }
}"""
LONE_SURROGATE = "\ud800"
YEAR_ONE_EAST = "0001-01-01T00:00:00+14:00"  # its UTC instant is before year 1


@dataclass(frozen=True)
class Refused:
    code: str
    field: str | None


@dataclass(frozen=True)
class Interfaces:
    client: TestClient
    writer: str  # a token with the writer role only
    sdk_url: str


def _graphql(
    query: str, *, token: str | None = None, **variables: Any
) -> Callable[[Interfaces], Refused]:
    def send(via: Interfaces) -> Refused:
        headers = {"Authorization": f"Bearer {token_of(via, token)}"} if token else None
        # json.dumps escapes what httpx's encoder refuses (a lone surrogate) as JSON allows.
        payload = json.dumps({"query": query, "variables": variables}).encode()
        response = via.client.post(
            "/graphql",
            content=payload,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        body = response.json()
        assert response.status_code == 200 and body.get("errors"), body
        assert body["data"] is None, body
        extensions = body["errors"][0]["extensions"]
        return Refused(extensions["code"], extensions.get("field"))

    return send


def token_of(via: Interfaces, token: str) -> str:
    return via.writer if token == "writer" else token


def _bulk(
    kind: str, row: dict[str, Any], *, fmt: str, token: str | None = None,
    reason: str | None = None, schema: pa.Schema | None = None,
) -> Callable[[Interfaces], Refused]:  # fmt: skip
    def send(via: Interfaces) -> Refused:
        table = pa.Table.from_pylist([row], schema=schema)
        sink = io.BytesIO()
        if fmt == "parquet":
            pq.write_table(table, sink)
        else:
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
        headers = {"Authorization": f"Bearer {token_of(via, token)}"} if token else None
        response = via.client.post(
            f"/api/v1/load/{kind}", content=sink.getvalue(), headers=headers,
            params={"reason": reason} if reason else None,
        )  # fmt: skip
        body = response.json()
        assert (response.status_code, body["loaded"], body["rejected"]) == (207, 0, 1), body
        (reject,) = body["rejects"]
        assert reject["row"] == 1 and reject["reason"], reject
        return Refused(reject["code"], reject["field"])

    return send


def _event(**changes: Any) -> Callable[[Interfaces], Refused]:
    def send(via: Interfaces) -> Refused:
        event: dict[str, Any] = {
            "eventType": "COMPLETE", "eventTime": "2026-05-01T10:00:00Z",
            "producer": "https://example.com/rules", "run": {"runId": "ol-run-1"},
            "job": {"namespace": "rules", "name": "job"}, "inputs": [], "outputs": [],
        }  # fmt: skip
        event.update(changes)
        response = via.client.post(
            "/api/v1/lineage", content=json.dumps(event).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        body = response.json()
        assert response.status_code == 400, body
        return Refused(body["code"], body["field"] or None)

    return send


def _sdk(call: Callable[[CatalogClient], object]) -> Callable[[Interfaces], Refused]:
    def send(via: Interfaces) -> Refused:
        admin = via.client.headers["Authorization"].removeprefix("Bearer ")
        with (
            CatalogClient(via.sdk_url, token=admin, retries=0) as catalog,
            pytest.raises(CatalogError) as refused,
        ):
            call(catalog)
        return Refused(refused.value.code, refused.value.field)

    return send


def _files(
    kind: str, row: dict[str, Any], field: str | None, **options: Any
) -> dict[str, tuple[Callable[[Interfaces], Refused], str | None]]:
    """The same bad row as an Arrow IPC stream and as a Parquet file, and the column that
    both rejects must name."""
    return {f: (_bulk(kind, row, fmt=f, **options), field) for f in ("arrow", "parquet")}


def _serving_row(**changes: Any) -> dict[str, Any]:
    return {"type": "SERVED", "source": "Deployment:prod/api", "target": "ModelVersion:m@1",
            "role": "champion", "traffic_share": 1.0, "valid_from": "2026-01-01T00:00:00Z",
            "valid_to": None, **changes}  # fmt: skip


OWNS = {"type": "OWNS", "source": "Person:ada@rules.example", "target": "Dataset:raw",
        "role": "steward", "valid_from": "2026-01-01T00:00:00Z"}  # fmt: skip
SET_OWNER = ('mutation {{ setOwner(input: {{owner: "Person:ada@rules.example", '
             'target: "{target}", role: STEWARD}}, reason: "{reason}") {{ id }} }}')  # fmt: skip

# rule -> (the code every interface answers, {interface: (how it sends the bad write,
# the field it must name)}). An interface missing from a rule cannot express it: see
# NOT_EXPRESSIBLE.
Cell = tuple[Callable[[Interfaces], Refused], str | None]
RULES: dict[str, tuple[str, dict[str, Cell]]] = {
    "kind": (
        "BAD_USER_INPUT",
        {
            "graphql": (
                _graphql(
                    'mutation { recordRun(input: {runId: "r2", job: "j", '
                    'runKind: TRAINING, used: ["Bogus:x"]}) { id } }'
                ),
                "input.used.0",
            ),
            **_files("edges", {"type": "USED", "source": "Run:r1", "target": "Bogus:x"}, "target"),
        },
    ),
    "key": (
        "BAD_USER_INPUT",
        {
            "graphql": (
                _graphql('mutation { registerFeature(input: {key: "bad key"}) { id } }'),
                "input.key",
            ),
            **_files("features", {"key": "bad key"}, "key"),
            "openlineage": (_event(job={"namespace": "rules", "name": "x" * 300}), "job.name"),
            "sdk": (_sdk(lambda c: c.register_dataset("bad key")), "input.key"),
        },
    ),
    "reference": (
        "BAD_USER_INPUT",
        {
            "graphql": (
                _graphql(
                    'mutation { registerDatasetVersion(input: {dataset: "nope", '
                    'version: "1"}) { id } }'
                ),
                "input.dataset",
            ),
            **_files("dataset_versions", {"dataset": "nope", "version": "1"}, "dataset"),
            "sdk": (_sdk(lambda c: c.register_dataset_version("nope", "1")), "input.dataset"),
        },
    ),
    "endpoint kinds": (
        "BAD_USER_INPUT",
        {
            "graphql": (
                _graphql(
                    'mutation { recordRun(input: {runId: "r2", job: "j", runKind: '
                    'TRAINING, used: ["Person:ada@rules.example"]}) { id } }'
                ),
                "input.used.0",
            ),
            **_files(
                "edges",
                {"type": "USED", "source": "Run:r1", "target": "Person:ada@rules.example"},
                "target",
            ),
        },
    ),
    "storable value": (
        "BAD_USER_INPUT",
        {
            "graphql": (
                _graphql(
                    'mutation($d: String) { registerDataset(input: {key: "raw", '
                    "description: $d}) { id } }",
                    d=LONE_SURROGATE,
                ),
                "input.description",
            ),
            **_files(
                "runs", {"run_id": "r2", "job": "j", "parameters": '{"a": NaN}'}, "parameters.a"
            ),
            "openlineage": (
                _event(
                    job={
                        "namespace": "rules",
                        "name": "job",
                        "facets": {
                            "documentation": {
                                "_producer": "p",
                                "_schemaURL": "s",
                                "description": LONE_SURROGATE,
                            }
                        },
                    }
                ),
                "body",
            ),
        },
    ),
    "JSON shape": (
        "BAD_USER_INPUT",
        {
            "graphql": (
                _graphql(
                    'mutation { registerDatasetVersion(input: {dataset: "raw", '
                    'version: "v2", sample: 5}) { id } }'
                ),
                "input.sample",
            ),
            **_files(
                "dataset_versions",
                {"dataset": "raw", "version": "v2", "schema": '[1, "a"]'},
                "schema.0",
            ),
        },
    ),
    "datetime range": (
        "BAD_USER_INPUT",
        {
            "graphql": (
                _graphql(
                    'mutation { registerDatasetVersion(input: {dataset: "raw", '
                    f'version: "v2", createdAt: "{YEAR_ONE_EAST}"}}) {{ id }} }}'
                ),
                "input.createdAt",
            ),
            **_files(
                "dataset_versions",
                {"dataset": "raw", "version": "v2", "created_at": YEAR_ONE_EAST},
                "created_at",
            ),
            "openlineage": (_event(eventTime=YEAR_ONE_EAST), "eventTime"),
        },
    ),
    "role": (
        "FORBIDDEN",
        {
            "graphql": (
                _graphql(SET_OWNER.format(target="Dataset:raw", reason="steward"), token="writer"),
                None,
            ),
            **_files("edges", OWNS, None, token="writer", reason="steward"),
        },
    ),
    "reason": (
        "BAD_USER_INPUT",
        {
            "graphql": (_graphql(SET_OWNER.format(target="Dataset:raw", reason=" ")), "reason"),
            **_files("edges", OWNS, "reason"),
        },
    ),
    "champion or open interval": (
        "BAD_USER_INPUT",
        {
            "graphql": (
                _graphql(
                    'mutation { recordServing(input: {deployment: "prod/api", '
                    'modelVersion: "m@1", role: CHAMPION, '
                    'validFrom: "2026-01-01T00:00:00Z"}) { key } }'
                ),
                "input.role",
            ),
            **_files("edges", _serving_row(), "valid_to", reason="history"),
        },
    ),
    "ownable target": (
        "BAD_USER_INPUT",
        {
            "graphql": (
                _graphql(SET_OWNER.format(target="Run:r1", reason="steward")),
                "input.target",
            ),
            **_files("edges", {**OWNS, "target": "Run:r1"}, "target", reason="steward"),
        },
    ),
}
# Cells left out, and why: the interface has no way to say it.
NOT_EXPRESSIBLE = {
    "openlineage": "events name no ids, references, roles, reasons, owners or serving",
    "sdk": "the SDK registers nodes; its run() records a RUNNING run before the refused "
    "final record, it has no ownership, classification or serving calls, and its JSON "
    "encoder cannot send a lone surrogate at all",
}
CELLS = [
    pytest.param(rule, interface, id=f"{rule}-{interface}")
    for rule, (_, cells) in RULES.items()
    for interface in cells
]


@pytest.fixture(scope="module")
def interfaces(app_client: TestClient, settings: Settings, driver: Driver) -> Iterator[Interfaces]:
    writer = account_token(app_client, "ServiceAccount:rules-writer", ["writer"])
    with serve(settings, free_port()) as url:
        wait_healthy(url)
        yield Interfaces(app_client, writer, url)


@pytest.mark.parametrize(("rule", "interface"), CELLS)
def test_a_broken_rule_is_refused_alike_everywhere_and_writes_nothing(
    interfaces: Interfaces, clean_graph: Driver, rule: str, interface: str
) -> None:
    gql(interfaces.client, SETUP)
    code, cells = RULES[rule]
    send, field = cells[interface]
    before = fingerprint(clean_graph)
    refused = send(interfaces)
    assert refused == Refused(code, field)
    assert fingerprint(clean_graph) == before


def test_every_interface_is_tried_for_every_rule_it_can_express() -> None:
    interfaces = {"graphql", "arrow", "parquet", "openlineage", "sdk"}
    for rule, (_, cells) in RULES.items():
        assert {"graphql", "arrow", "parquet"} <= set(cells), rule
        assert set(cells) <= interfaces
    assert set(NOT_EXPRESSIBLE) == {"openlineage", "sdk"}


def test_graphql_limits_answer_with_a_code(client: TestClient) -> None:
    deep = '{ dataset(key: "x") { ' + "versions { dataset { " * 12 + "key" + " } }" * 12 + " } }"
    body = post(client, deep)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body
    assert "depth" in body["errors"][0]["message"]
    body = post(client, "{ " + "catalogStats { datasets } " * 3000 + "}")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED", body
    body = post(client, "{ noSuchField }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body


def test_errors_name_the_whole_argument_path(client: TestClient) -> None:
    gql(client, SETUP)
    cases = {
        # an owner id without its kind
        'mutation { setOwner(input: {owner: "ada@rules.example", target: "Dataset:raw", '
        'role: STEWARD}, reason: "r") { id } }': "input.owner",
        # classify has no input argument: its paths are the arguments themselves
        'mutation { classify(target: "Dataset:raw", classifications: ["NOPE"], reason: "r") '
        "{ id } }": "classifications.0",
        'mutation { classify(target: "raw", classifications: ["PII"], reason: "r") { id } }': (
            "target"
        ),
        'mutation { recordRun(input: {runId: "r2", job: "j", runKind: TRAINING, '
        'used: ["raw/src0@v1"]}) { id } }': "input.used.0",
    }
    for query, field in cases.items():
        body = post(client, query)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, (
            query,
            body,
        )


def test_times_are_stored_in_utc_whatever_the_interface(
    interfaces: Interfaces, clean_graph: Driver
) -> None:
    client = interfaces.client
    gql(client, SETUP)
    at = "2026-05-01T12:00:00+02:00"  # 10:00 UTC
    gql(client, 'mutation($t: DateTime!) { registerDatasetVersion(input: {dataset: "raw", '
                'version: "g", createdAt: $t}) { id } }', t=at)  # fmt: skip
    table = pa.Table.from_pylist(
        [{"dataset": "raw", "version": "b", "created_at": datetime.fromisoformat(at)}],
        schema=pa.schema([("dataset", pa.string()), ("version", pa.string()),
                          ("created_at", pa.timestamp("us", tz="Europe/Berlin"))]),
    )  # fmt: skip
    sink = io.BytesIO()
    pq.write_table(table, sink)
    assert client.post("/api/v1/load/dataset_versions", content=sink.getvalue()).status_code == 200
    event = {"eventType": "START", "eventTime": at, "producer": "https://example.com/rules",
             "run": {"runId": "ol-utc"}, "job": {"namespace": "rules", "name": "utc"}}  # fmt: skip
    assert client.post("/api/v1/lineage", json=event).status_code == 201
    records, _, _ = clean_graph.execute_query(
        "MATCH (n:Node) WHERE n.uid IN ['DatasetVersion:raw@g', 'DatasetVersion:raw@b', "
        "'Run:ol-utc'] RETURN n.uid AS uid, toString(coalesce(n.created_at, n.started_at)) AS t"
    )
    assert {r["uid"]: r["t"] for r in records} == {
        "DatasetVersion:raw@g": "2026-05-01T10:00:00Z",
        "DatasetVersion:raw@b": "2026-05-01T10:00:00Z",
        "Run:ol-utc": "2026-05-01T10:00:00Z",
    }


def test_times_without_an_offset_are_utc_and_bad_times_are_the_callers_error(
    client: TestClient,
) -> None:
    gql(client, SETUP)
    # A naive startedAt with an aware endedAt: both UTC, compared without an error.
    run = gql(client, 'mutation { recordRun(input: {runId: "r3", job: "j", runKind: TRAINING, '
                      'startedAt: "2026-05-01T10:00:00", endedAt: "2026-05-01T12:00:00+01:00"}) '
                      "{ startedAt endedAt } }")["recordRun"]  # fmt: skip
    assert run == {"startedAt": "2026-05-01T10:00:00+00:00", "endedAt": "2026-05-01T11:00:00+00:00"}
    for value in ("yesterday", 5):
        body = post(client, 'query($t: DateTime) { deployment(key: "prod/api") { '
                            "serving(asOf: $t) { role } } }", t=value)  # fmt: skip
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert "Unexpected" not in body["errors"][0]["message"]
    # Inline too: the caller's mistake, named by its argument.
    body = post(client, '{ unowned(asOf: "not a time") { totalCount } }')
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "asOf"}, body
