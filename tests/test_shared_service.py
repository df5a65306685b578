"""Protection for a shared service (issue 17, part 4): per-principal rate limits, a request
time budget the database enforces, a cost limit, body sizes, switches for introspection,
CORS closed by default; and logs an operator can alert on."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.app import create_app
from lineage_catalog.settings import Settings
from tests.governance_helpers import account_token, post_as
from tests.graphql_client import gql, post

STATS = "{ catalogStats { datasets } }"


@pytest.fixture
def app_with(
    settings: Settings, auth_headers: dict[str, str], clean_graph: Driver
) -> Iterator[Any]:
    """A factory: the real app with some settings changed, as an admin client."""
    opened: list[TestClient] = []

    def make(**changes: Any) -> TestClient:
        client = TestClient(create_app(settings.model_copy(update=changes)), headers=auth_headers)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


# --- rate limits ----------------------------------------------------------------------------


def test_each_principal_has_its_own_rate_and_is_told_when_to_retry(app_with: Any) -> None:
    client = app_with(rate_limit_per_s=0.5, rate_limit_burst=3)
    # Three requests spend the admin's burst: two to make a reader's token, then one more.
    reader = account_token(client, "ServiceAccount:svc-rate-reader", ["reader"])
    gql(client, STATS)
    response = client.post("/graphql", json={"query": STATS})
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED", error
    assert error["extensions"]["retryAfterSeconds"] > 0
    # REST shares the principal's bucket.
    rest = client.get("/api/v1/reports/compliance/none")
    assert rest.status_code == 429, rest.text
    assert rest.json()["code"] == "RATE_LIMITED"
    # Another principal is not slowed by the first.
    assert "errors" not in post_as(client, reader, STATS)


def test_callers_without_a_valid_token_are_limited_by_address(app_with: Any) -> None:
    client = app_with(rate_limit_per_s=0.5, rate_limit_burst=2)
    codes = [
        client.post(
            "/graphql", json={"query": STATS}, headers={"Authorization": "Bearer nope"}
        ).status_code
        for _ in range(3)
    ]
    assert codes[2] == 429, codes


# --- time budget ----------------------------------------------------------------------------


def test_a_request_past_its_time_answers_timeout_and_the_database_cancels_it(
    app_with: Any, driver: Driver
) -> None:
    client = app_with(request_timeout_s=1.0)
    gql(client, 'mutation { registerDataset(input: {key: "locked"}) { key } }')
    # Another writer holds the dataset's lock and does not commit: the request's write
    # waits for it until its time is up, and the database ends the waiting transaction.
    with driver.session() as session, session.begin_transaction() as holder:
        holder.run("MATCH (n:Node {uid: 'Dataset:locked'}) SET n.held = true").consume()
        started = time.monotonic()
        body = post(client, """mutation { registerDataset(input: {key: "locked",
            description: "late"}) { key } }""")  # fmt: skip
        took = time.monotonic() - started
        running = [
            r["query"]
            for r in driver.execute_query("SHOW TRANSACTIONS YIELD currentQuery AS query")[0]
        ]
        holder.rollback()
    assert body["data"] is None, body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "TIMEOUT", body
    assert "took longer than its 1 s" in error["message"], error
    assert took < 10, f"answered after {took:.1f} s"
    # The server stopped the waiting transaction: only the lock holder's and this one remain.
    assert len(running) <= 2, running
    found = gql(client, '{ dataset(key: "locked") { description } }')["dataset"]
    assert found == {"description": None}, "the write past its time wrote nothing"


def test_a_write_past_its_time_writes_nothing(app_with: Any) -> None:
    client = app_with(request_timeout_s=1e-6)
    body = post(client, 'mutation { registerDataset(input: {key: "late"}) { key } }')
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT", body
    relaxed = app_with()
    assert gql(relaxed, '{ dataset(key: "late") { key } }')["dataset"] is None


# --- cost -----------------------------------------------------------------------------------

TRACE = """t{i}: predictionTrace(key: "p", depth: 20) {{
  prediction {{ id }} modelVersion {{ id owners {{ role }} }}
  runs {{ id }} datasetVersions {{ id owners {{ role }} }} features {{ id }}
}}"""


def test_thirty_aliased_deep_traces_are_refused_before_they_run(app_with: Any) -> None:
    client = app_with()
    query = "{ " + "\n".join(TRACE.format(i=i) for i in range(30)) + " }"
    body = post(client, query)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY", body
    assert error["extensions"]["cost"] > error["extensions"]["maxCost"] == 500_000
    assert body["extensions"]["neo4jStatements"] == 0, "refused before any database work"
    one = post(client, "{ " + TRACE.format(i=0) + " }")
    assert "errors" not in one, one
    assert 0 < one["extensions"]["cost"] <= 500_000


def test_the_cost_of_a_request_follows_the_documented_rule(app_with: Any) -> None:
    client = app_with()
    # nodes(first: 7): 1 + 7 x (edges 1 + node 1 + id, key 2) = 29; with `first` from a
    # variable, the same; catalogStats 1 + 1 leaf = 2 more.
    query = """query($n: Int) { nodes(kind: DATASET, first: $n) { edges { node { id key } } }
                               catalogStats { datasets } }"""
    assert post(client, query, n=7)["extensions"]["cost"] == 29 + 2
    # A list that is not paged counts 10 items, in fragments as anywhere:
    # 2 x (datasetVersion 1 + owners 1 + 10 x role 1).
    fragments = """query { ...A } fragment A on Query { ...B ...B } fragment B on Query {
      datasetVersion(key: "x@1") { owners { role } } }"""
    assert post(client, fragments)["extensions"]["cost"] == 2 * (1 + 1 + 10 * 1)


def test_the_cost_examples_in_the_docs_cost_what_they_say(app_with: Any) -> None:
    client = app_with()
    text = (Path(__file__).parents[1] / "docs" / "security.md").read_text()
    examples = re.findall(r"```graphql\n# cost: (\d+)\n(.*?)```", text, re.S)
    assert len(examples) >= 3
    for cost, query in examples:
        body = post(client, query)
        assert "errors" not in body, body
        assert body["extensions"]["cost"] == int(cost), query


def test_a_document_of_nested_fragments_is_measured_not_expanded(app_with: Any) -> None:
    client = app_with()
    levels = 40  # expanded, 2**40 fields
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ catalogStats {{ datasets }} }}")
    started = time.monotonic()
    body = post(client, "query { ...F0 } " + " ".join(fragments))
    assert time.monotonic() - started < 5
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", body
    # Depth and aliases are counted through fragments too, each fragment measured once.
    deep = ['fragment D0 on Query { dataset(key: "x") { ...D1 } }']
    deep += [f"fragment D{i} on Dataset {{ versions {{ dataset {{ ...D{i + 1} }} }} }}"
             for i in range(1, 10)]  # fmt: skip
    deep.append("fragment D10 on Dataset { key }")
    body = post(client, "query { ...D0 } " + " ".join(deep))
    assert "maximum depth is 15" in body["errors"][0]["message"], body
    aliased = [f"fragment A{i} on Query {{ a{i}: catalogStats {{ datasets }} "
               f"...A{i + 1} ...A{i + 1} }}" for i in range(40)]  # fmt: skip
    aliased.append("fragment A40 on Query { catalogStats { datasets } }")
    started = time.monotonic()
    body = post(client, "query { ...A0 } " + " ".join(aliased))
    assert time.monotonic() - started < 5
    assert "aliases found" in body["errors"][0]["message"], body


def test_the_cost_limit_is_a_setting(app_with: Any) -> None:
    client = app_with(max_query_cost=1)
    body = post(client, STATS)
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 2, "maxCost": 1}


# --- bodies, introspection, CORS ------------------------------------------------------------


def test_a_graphql_body_over_the_limit_is_413_declared_or_streamed(app_with: Any) -> None:
    client = app_with(max_graphql_body_bytes=10_000)
    big = '{"query": "{ catalogStats { datasets } }", "variables": {"x": "' + "a" * 20_000 + '"}}'
    declared = client.post("/graphql", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413, declared.text
    assert declared.json()["code"] == "PAYLOAD_TOO_LARGE"

    def chunks() -> Iterator[bytes]:
        data = big.encode()
        for i in range(0, len(data), 4096):
            yield data[i : i + 4096]

    streamed = client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413, streamed.text
    small = client.post("/graphql", json={"query": STATS})
    assert small.status_code == 200


def test_introspection_can_be_switched_off(app_with: Any) -> None:
    query = "{ __schema { queryType { name } } }"
    assert gql(app_with(), query)["__schema"]["queryType"]["name"] == "Query"
    closed = app_with(introspection=False)
    body = post(closed, query)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body
    assert "introspection" in body["errors"][0]["message"].lower()
    assert "errors" not in post(closed, STATS)


def test_cors_is_closed_unless_origins_are_configured(app_with: Any) -> None:
    preflight = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    closed = app_with()
    answer = closed.options("/graphql", headers=preflight)
    assert "access-control-allow-origin" not in answer.headers
    simple = closed.post(
        "/graphql", json={"query": STATS}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in simple.headers

    opened = app_with(cors_origins=["https://catalog.acme.example"])
    allowed = opened.options(
        "/graphql", headers={**preflight, "Origin": "https://catalog.acme.example"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://catalog.acme.example"
    refused = opened.options("/graphql", headers=preflight)
    assert "access-control-allow-origin" not in refused.headers


def test_no_page_loads_from_a_cdn(app_with: Any) -> None:
    client = app_with()
    # FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN: not served.
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200


# --- logs -----------------------------------------------------------------------------------

CLIENT_MISTAKES = [
    ("{ catalogStatz { datasets } }", {}),  # a typo
    ("{ catalogStats { datasets }", {}),  # a syntax error
    ("{ dataset { key } }", {}),  # a missing argument
    ('mutation { registerDataset(input: {key: "bad key"}) { key } }', {}),
    ('{ lineage(id: "Nope:x", direction: UPSTREAM) { totalNodes } }', {}),
]


def test_client_mistakes_are_logged_at_info_unexpected_errors_at_error_with_the_request_id(
    app_with: Any, caplog: pytest.LogCaptureFixture, driver: Driver
) -> None:
    client = app_with()
    caplog.set_level(logging.INFO)
    for _ in range(4):
        for query, variables in CLIENT_MISTAKES:
            assert post(client, query, **variables)["errors"]
    assert client.post("/graphql", json={"query": STATS}, headers={"Authorization": ""}).json()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert not [r for r in caplog.records if r.exc_info], "no stack trace for a client mistake"
    assert any("GRAPHQL_VALIDATION_FAILED" in r.getMessage() for r in caplog.records)

    # A value the catalog cannot read back (a stored JSON property corrupted outside the
    # catalog) is the catalog's problem: masked for the caller, logged at ERROR with its stack
    # trace under the request id the caller is given.
    gql(client, 'mutation { registerJob(input: {key: "j.corrupt"}) { key } }')
    gql(client, """mutation { recordRun(input: {runId: "r-corrupt", job: "j.corrupt",
        runKind: TRAINING, parameters: {lr: 0.1}}) { key } }""")  # fmt: skip
    driver.execute_query(
        "MATCH (r:Node {uid: 'Run:r-corrupt'}) SET r.parameters_json = '{not json'"
    )
    caplog.clear()
    body = post(client, '{ run(key: "r-corrupt") { parameters } }')
    error = body["errors"][0]
    assert error["message"] == "Unexpected error."
    request_id = error["extensions"]["requestId"]
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1 and request_id in logged[0].getMessage(), logged
    assert logged[0].exc_info is not None
