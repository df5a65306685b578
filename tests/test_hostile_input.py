"""Hostile input never reaches a 500 or a masked error, and never corrupts an answer.

Each case is one of the failures a hostile-input run against the API found (issue 17):
it is refused with BAD_USER_INPUT / 400 naming the field, or stored and read back exactly.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.governance_helpers import bulk_load
from tests.graphql_client import gql, post

MASKED = "Unexpected error."
EARLY = "0001-01-01T00:00:00+14:00"  # before 0001-01-01T00:00:00Z
LATE = "9999-12-31T23:59:59-14:00"  # after 9999-12-31T23:59:59Z


def _refused(body: dict[str, Any], path: list[str | int] | None = None) -> dict[str, Any]:
    """The one error of a refused request: BAD_USER_INPUT, not masked, with no data."""
    errors = body.get("errors")
    assert errors, body
    error = errors[0]
    assert error["message"] != MASKED, body
    assert error["extensions"]["code"] == "BAD_USER_INPUT", body
    if path is not None:
        assert error.get("path") == path or error["extensions"].get("field") == ".".join(
            str(p) for p in path
        ), body
    return error  # type: ignore[no-any-return]


def _seed(client: TestClient) -> None:
    gql(client, 'mutation { registerDataset(input: {key: "hx-ds"}) { key } }')
    gql(
        client,
        """mutation { registerDatasetVersion(input: {dataset: "hx-ds", version: "1"})
                   { key } }""",
    )
    gql(client, 'mutation { registerJob(input: {key: "hx-job"}) { key } }')


# --- bodies the server cannot even parse as GraphQL -----------------------------------


def test_a_deeply_nested_body_is_refused_with_400(client: TestClient) -> None:
    deep = "[" * 5000 + "]" * 5000
    body = '{"query": "{ catalogStats { datasets } }", "variables": {"x": ' + deep + "}}"
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert "deep" in response.text


def test_a_deeply_nested_variable_is_bad_user_input(client: TestClient) -> None:
    _seed(client)
    query = (
        'mutation($p: JSON) { recordRun(input: {runId: "r", job: "hx-job", '
        "runKind: TRAINING, parameters: $p}) { key } }"
    )
    for depth in (3000, 70):  # past the body's limit, and past what a stored value may be
        deep = '{"a": ' * depth + '"x"' + "}" * depth
        body = '{"query": ' + json.dumps(query) + ', "variables": {"p": ' + deep + "}}"
        response = client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        if depth > 100:
            assert response.status_code == 400, response.text
            assert "deep" in response.text
        else:
            error = _refused(response.json())
            assert "deep" in error["message"], error


def test_invalid_utf8_after_the_json_is_refused_with_400(client: TestClient) -> None:
    body = b'{"query": "{ catalogStats { datasets } }"}\xff\xfe'
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text


@pytest.mark.parametrize("token", ["Infinity", "-Infinity", "NaN"])
def test_non_finite_numbers_in_a_body_are_refused(client: TestClient, token: str) -> None:
    _seed(client)
    body = (
        '{"query": "mutation($m: JSON) { recordRun(input: {runId: \\"inf\\", job: \\"hx-job\\", '
        'runKind: TRAINING, parameters: $m}) { key } }", "variables": {"m": {"auc": '
        + token
        + "}}}"
    )
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert token in response.text
    # Nothing stored, and every answer is still JSON.
    runs = gql(client, '{ run(key: "inf") { key } }')
    assert runs["run"] is None


def test_infinity_in_a_literal_is_refused(client: TestClient) -> None:
    _seed(client)
    body = post(
        client,
        'mutation { recordRun(input: {runId: "inf2", job: "hx-job", runKind: TRAINING, '
        "parameters: {auc: 1e999}}) { key } }",
    )
    _refused(body)


# --- times ------------------------------------------------------------------------------

TIME_READS = [
    ("ownedBy", '{ ownedBy(owner: "Person:x@acme.example", asOf: $t) { role } }'),
    ("owners", '{ datasetVersion(key: "hx-ds@1") { owners(asOf: $t) { role } } }'),
    ("impact", '{ impact(datasetVersion: "hx-ds@1", asOf: $t) { predictionCount } }'),
    ("unowned", "{ unowned(asOf: $t) { edges { node { id } } } }"),
    ("lineage", '{ lineage(id: "DatasetVersion:hx-ds@1", asOf: $t) { totalNodes } }'),
    ("auditTrail", "{ auditTrail(since: $t) { edges { node { seq } } } }"),
    ("auditUntil", "{ auditTrail(until: $t) { edges { node { seq } } } }"),
    ("classifications", '{ classificationsUpstream(id: "DatasetVersion:hx-ds@1", asOf: $t) '
     "{ classification } }"),
]  # fmt: skip


@pytest.mark.parametrize("when", [EARLY, LATE])
@pytest.mark.parametrize(("name", "query"), TIME_READS, ids=[n for n, _ in TIME_READS])
def test_a_time_outside_the_range_is_refused_on_reads(
    client: TestClient, name: str, query: str, when: str
) -> None:
    _seed(client)
    body = post(client, "query($t: DateTime) " + query, t=when)
    error = _refused(body)
    assert "range" in error["message"], error


@pytest.mark.parametrize("when", [EARLY, LATE])
def test_a_time_outside_the_range_is_refused_inline(client: TestClient, when: str) -> None:
    body = post(client, f'{{ unowned(asOf: "{when}") {{ edges {{ node {{ id }} }} }} }}')
    error = _refused(body)
    assert error["extensions"]["field"] == "asOf", body
    assert "outside the supported range" in error["message"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_the_ends_of_the_range_are_answered(client: TestClient, when: str) -> None:
    _seed(client)
    for _, query in TIME_READS:
        body = post(client, "query($t: DateTime) " + query, t=when)
        assert "errors" not in body, (query, body)


@pytest.mark.parametrize("when", [EARLY, LATE])
def test_a_time_outside_the_range_is_refused_on_writes(client: TestClient, when: str) -> None:
    _seed(client)
    body = post(
        client,
        'mutation($t: DateTime) { recordRun(input: {runId: "t", job: "hx-job", '
        "runKind: TRAINING, startedAt: $t}) { key } }",
        t=when,
    )
    _refused(body)
    body = post(
        client,
        'mutation($t: DateTime) { issueToken(account: "ServiceAccount:hx", name: "n", '
        "expiresAt: $t) { tokenId } }",
        t=when,
    )
    _refused(body)


def test_an_offset_less_expiry_is_utc(client: TestClient) -> None:
    gql(
        client,
        """mutation { createAccount(input: {id: "ServiceAccount:hx-bot",
                   roles: [READER]}, reason: "t") { id } }""",
    )
    issued = gql(
        client,
        'mutation { issueToken(account: "ServiceAccount:hx-bot", name: "n", '
        'expiresAt: "2030-01-01T00:00:00") { tokenId } }',
    )
    assert issued["issueToken"]["tokenId"]
    account = gql(client, '{ account(id: "ServiceAccount:hx-bot") { tokens { expiresAt } } }')
    assert account["account"]["tokens"][0]["expiresAt"] == "2030-01-01T00:00:00+00:00"


def test_a_naive_start_with_an_aware_end_is_recorded(client: TestClient) -> None:
    _seed(client)
    run = gql(
        client,
        'mutation { recordRun(input: {runId: "nv", job: "hx-job", runKind: TRAINING, '
        'startedAt: "2026-12-01T03:00:00", endedAt: "2026-12-01T04:00:00+01:00"}) '
        "{ startedAt endedAt } }",
    )["recordRun"]
    assert run["startedAt"] == "2026-12-01T03:00:00+00:00"
    assert run["endedAt"] == "2026-12-01T03:00:00+00:00"


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_an_openlineage_event_time_outside_the_range_is_400(client: TestClient, when: str) -> None:
    event = {
        "eventType": "COMPLETE",
        "eventTime": when,
        "run": {"runId": "0190a1b2-0000-7000-8000-000000000001"},
        "job": {"namespace": "hx", "name": "job"},
        "producer": "https://example.com/hx",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "eventTime"


# --- text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            'mutation($d: String) { registerDataset(input: {key: "hx-s", description: $d}) '
            "{ key } }",
            {"d": "a\ud800b"},
        ),
        (
            'mutation($t: [String!]) { registerDataset(input: {key: "hx-s", tags: $t}) { key } }',
            {"t": ["ok", "\udfff"]},
        ),
        (
            'mutation($n: String) { registerPerson(input: {email: "s@acme.example", '
            "name: $n}) { key } }",
            {"n": "\ud83d"},
        ),
    ],
)
def test_a_lone_surrogate_is_bad_user_input(
    client: TestClient, query: str, variables: dict[str, Any]
) -> None:
    body = json.dumps({"query": query, "variables": variables})  # \\udXXX escapes
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    _refused(response.json())


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ('mutation { registerPerson(input: {email: "ada@acme.example\\n"}) { key } }', "email"),
        ('mutation { registerDataset(input: {key: "atk-nl\\n"}) { key } }', "key"),
        ('mutation { registerDataset(input: {key: "atk\\u0000nul"}) { key } }', "key"),
        ('mutation { registerPerson(input: {email: "ad\\u200ba@acme.example"}) { key } }', "email"),
        ('mutation { registerJob(input: {key: "job\\r"}) { key } }', "key"),
    ],
)
def test_look_alike_keys_and_emails_are_refused(client: TestClient, query: str, field: str) -> None:
    error = _refused(post(client, query))
    assert error["path"][-1] == field or field in json.dumps(error), error


def test_an_email_is_one_identity_whatever_its_unicode_form(client: TestClient) -> None:
    composed = "jos\u00e9@acme.example"
    decomposed = "jose\u0301@acme.example"
    first = gql(client, 'mutation($e: String!) { registerPerson(input: {email: $e}) { key } }',
                e=composed)  # fmt: skip
    second = gql(client, 'mutation($e: String!) { registerPerson(input: {email: $e}) { key } }',
                 e=decomposed)  # fmt: skip
    assert first["registerPerson"]["key"] == second["registerPerson"]["key"]


def test_text_round_trips_exactly(client: TestClient) -> None:
    hostile = "'; MATCH (n) DETACH DELETE n //\t\u202eRTL\u200b zero-width \U0001f600 \\ \""
    gql(client, "mutation($d: String) { registerDataset(input: {key: \"hx-t\", description: $d})"
        " { key } }", d=hostile)  # fmt: skip
    found = gql(client, '{ dataset(key: "hx-t") { description } }')
    assert found["dataset"]["description"] == hostile
    stats = gql(client, "{ catalogStats { datasets } }")
    assert stats["catalogStats"]["datasets"] == 1


@pytest.mark.parametrize("raw", ["null", '[{"query": "{ __typename }"}]', '"x"', "1"])
def test_a_body_that_is_not_an_object_is_400(client: TestClient, raw: str) -> None:
    response = client.post("/graphql", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert "JSON object" in response.text


def test_a_lone_surrogate_in_a_read_argument_is_bad_user_input(client: TestClient) -> None:
    body = json.dumps({"query": "query($t: String!) { search(text: $t) { score } }",
                       "variables": {"t": "atk \ud800 text"}})  # fmt: skip
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    _refused(response.json())
    # The connection it was refused on still answers.
    assert gql(client, "{ catalogStats { datasets } }")["catalogStats"]["datasets"] == 0


# --- names that print unlike what they are ---------------------------------------------

LOOK_ALIKE_NAMES = {
    "NUL": "orders\x00",
    "tab": "orders\tdaily",
    "newline": "orders\n",
    "zero-width space": "ord\u200bers",
    "right-to-left override": "orders\u202etxt.exe",
    "byte-order mark": "\ufefforders",
    "blank": "   ",
}


def _ol_event(job: str = "features.build", dataset: str = "warehouse.orders") -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-06-01T06:00:00Z",
        "producer": "https://example.test/attack",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "8d7c8f2e-7a7e-4a0e-9b7e-2f1f3c2b1a00"},
        "job": {"namespace": "spark", "name": job},
        "inputs": [{"namespace": "hdfs://warehouse", "name": dataset}],
        "outputs": [],
    }


@pytest.mark.parametrize("name", LOOK_ALIKE_NAMES.values(), ids=LOOK_ALIKE_NAMES.keys())
def test_an_openlineage_name_with_invisible_characters_is_refused(
    client: TestClient, name: str
) -> None:
    for event, field in ((_ol_event(job=name), "job.name"),
                         (_ol_event(dataset=name), "inputs.0.name")):  # fmt: skip
        response = client.post("/api/v1/lineage", json=event)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == field, response.text
    stats = gql(client, "{ catalogStats { datasets runs } }")["catalogStats"]
    assert stats == {"datasets": 0, "runs": 0}


@pytest.mark.parametrize("name", LOOK_ALIKE_NAMES.values(), ids=LOOK_ALIKE_NAMES.keys())
def test_a_name_with_invisible_characters_is_refused_on_every_write_path(
    client: TestClient, name: str
) -> None:
    body = post(client, 'mutation($n: String) { registerDataset(input: {key: "hx-n", name: $n})'
                " { key } }", n=name)  # fmt: skip
    _refused(body, ["input", "name"])
    status, report = bulk_load(client, "features", [{"key": "hx-bulk", "name": name}])
    assert status == 207, report
    assert [r["field"] for r in report["rejects"]] == ["name"], report
    stats = gql(client, "{ catalogStats { datasets features } }")["catalogStats"]
    assert stats == {"datasets": 0, "features": 0}


def test_names_in_any_script_and_with_spaces_are_kept(client: TestClient) -> None:
    for i, name in enumerate(["Kundendaten (Rohdaten)", "顧客データ", "clients · brut", "ω-run"]):
        gql(client, 'mutation($k: String!, $n: String) { registerDataset(input: {key: $k, '
            "name: $n}) { key } }", k=f"hx-ok-{i}", n=name)  # fmt: skip
        found = gql(client, "query($k: String!) { dataset(key: $k) { name } }", k=f"hx-ok-{i}")
        assert found["dataset"]["name"] == name
    assert client.post("/api/v1/lineage", json=_ol_event(job="nightly orders (v2)")).is_success
