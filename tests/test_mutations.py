"""Registering and linking through GraphQL: idempotent, validated, all-or-nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from neo4j import Driver

from tests.graphql_client import gql, post

REGISTER_DATASET = """
mutation($input: DatasetInput!) { registerDataset(input: $input) { id key name tags } }
"""
REGISTER_VERSION = """
mutation($input: DatasetVersionInput!) {
  registerDatasetVersion(input: $input) {
    id key version contentHash rowCount schema { name type } dataset { key name }
  }
}
"""
RECORD_RUN = """
mutation($input: RunInput!) {
  recordRun(input: $input) {
    id runKind status parameters used { id } generated { id } codeCommit { sha }
    triggeredBy { ... on Person { key } ... on ServiceAccount { key } } job { key }
  }
}
"""


def _graph_counts(driver: Driver) -> tuple[int, int]:
    records, _, _ = driver.execute_query(
        "MATCH (n:Node) WHERE n.roles IS NULL WITH count(n) AS nodes "
        "OPTIONAL MATCH (:Node)-[r]->(:Node) RETURN nodes, count(r) AS rels"
    )
    return records[0]["nodes"], records[0]["rels"]


def _seed(client: TestClient) -> None:
    gql(client, REGISTER_DATASET, input={"key": "loans-raw", "name": "Loans", "tags": ["raw"]})
    gql(
        client,
        REGISTER_VERSION,
        input={
            "dataset": "loans-raw",
            "version": "v1",
            "contentHash": "sha256:abc",
            "rowCount": 10,
            "schema": [{"name": "amount", "type": "double"}],
        },
    )
    gql(
        client,
        'mutation { registerPerson(input: {email: "Ada@Example.com", name: "Ada"}) { key } }',
    )
    gql(client, 'mutation { registerJob(input: {key: "loans.clean"}) { key } }')
    gql(
        client,
        'mutation { registerCodeCommit(input: {repo: "acme/loans", sha: "abc123", '
        'author: "ada@example.com"}) { key author { key } } }',
    )
    gql(client, 'mutation { registerDataset(input: {key: "loans-clean"}) { key } }')
    gql(
        client,
        REGISTER_VERSION,
        input={"dataset": "loans-clean", "version": "v1", "contentHash": "sha256:def"},
    )


def test_register_is_idempotent_and_returns_the_same_object(
    client: TestClient, clean_graph: Driver
) -> None:
    _seed(client)
    run = {
        "runId": "run-1",
        "job": "loans.clean",
        "runKind": "TRANSFORMATION",
        "parameters": {"threshold": 0.5},
        "codeCommit": "acme/loans@abc123",
        "triggeredBy": "Person:ada@example.com",
        "used": ["DatasetVersion:loans-raw@v1"],
        "generated": ["DatasetVersion:loans-clean@v1"],
    }
    first = gql(client, RECORD_RUN, input=run)["recordRun"]
    counts = _graph_counts(clean_graph)
    second = gql(client, RECORD_RUN, input=run)["recordRun"]
    assert first == second
    assert _graph_counts(clean_graph) == counts
    assert first["used"] == [{"id": "DatasetVersion:loans-raw@v1"}]
    assert first["generated"] == [{"id": "DatasetVersion:loans-clean@v1"}]
    assert first["codeCommit"] == {"sha": "abc123"}
    assert first["triggeredBy"] == {"key": "ada@example.com"}
    assert first["parameters"] == {"threshold": 0.5}

    version = gql(client, "{ datasetVersion(key: \"loans-raw@v1\") { contentHash dataset { name } "
                  "usedBy { key } schema { name type } } }")["datasetVersion"]  # fmt: skip
    assert version == {
        "contentHash": "sha256:abc",
        "dataset": {"name": "Loans"},
        "usedBy": [{"key": "run-1"}],
        "schema": [{"name": "amount", "type": "double"}],
    }


def test_unknown_reference_is_bad_user_input_with_path_and_writes_nothing(
    client: TestClient, clean_graph: Driver
) -> None:
    _seed(client)
    before = _graph_counts(clean_graph)
    body = post(
        client,
        RECORD_RUN,
        input={
            "runId": "run-2",
            "job": "loans.clean",
            "runKind": "TRAINING",
            "used": ["DatasetVersion:loans-raw@v1", "DatasetVersion:loans-raw@v9"],
        },
    )
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "input.used.1"
    assert "loans-raw@v9" in error["message"]
    assert _graph_counts(clean_graph) == before


def test_invalid_values_are_refused_with_the_field(client: TestClient, clean_graph: Driver) -> None:
    cases = [
        (REGISTER_DATASET, {"key": "bad key with spaces"}, "input.key"),
        (REGISTER_VERSION, {"dataset": "nope", "version": "v1"}, "input.dataset"),
        (REGISTER_VERSION, {"dataset": "x", "version": "v@1"}, "input.version"),
        (
            RECORD_RUN,
            {"runId": "r", "job": "j", "runKind": "TRAINING", "triggeredBy": "Dataset:x"},
            "input.triggeredBy",
        ),
        (
            RECORD_RUN,
            {"runId": "r", "job": "j", "runKind": "TRAINING", "parameters": [1, 2]},
            "input.parameters",
        ),
    ]
    for query, value, field in cases:
        body = post(client, query, input=value)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (value, error)
        assert error["extensions"]["field"] == field, (value, error)
    assert _graph_counts(clean_graph) == (0, 0)


def test_wrong_type_is_a_graphql_validation_error(client: TestClient, clean_graph: Driver) -> None:
    body = post(
        client, REGISTER_VERSION, input={"dataset": "x", "version": "v1", "rowCount": "ten"}
    )
    assert body["errors"] and "rowCount" in body["errors"][0]["message"]


def test_a_failed_run_says_why_as_openlineage_runs_do(
    client: TestClient, clean_graph: Driver
) -> None:
    gql(client, 'mutation { registerJob(input: {key: "j.fail"}) { key } }')
    record = """mutation($s: RunStatus!, $e: RunErrorInput) { recordRun(input: {runId: "r-fail",
        job: "j.fail", runKind: TRAINING, status: $s, error: $e}) { key } }"""
    error = {"message": "OOM", "programmingLanguage": "python", "stackTrace": "Traceback ..."}
    gql(client, record, s="FAILED", e=error)
    found = gql(client, """{ run(key: "r-fail") { status
        error { message programmingLanguage stackTrace } } }""")["run"]  # fmt: skip
    assert found == {"status": "failed", "error": error}
    # An error is for a failed or aborted run, and needs a message; nothing is written.
    for status, bad, field in [("COMPLETED", error, "input.error"),
                               ("FAILED", {"message": " "}, "input.error.message")]:  # fmt: skip
        body = post(client, record.replace('"r-fail"', '"r-bad"'), s=status, e=bad)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert gql(client, '{ run(key: "r-bad") { key } }')["run"] is None
