"""Accounts and requests as somebody else, for the governance tests."""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
from fastapi.testclient import TestClient
from graphql import FieldNode, OperationDefinitionNode, parse
from neo4j import Driver

from tests.graphql_client import gql

CREATE_ACCOUNT = """
mutation($input: AccountInput!) { createAccount(input: $input, reason: "test account") { id } }
"""
ISSUE_TOKEN = """
mutation($account: ID!) { issueToken(account: $account, name: "test") { token tokenId } }
"""


def account_token(
    client: TestClient, account: str, roles: list[str], clearances: list[str] | None = None
) -> str:
    """Create (or update) an account with roles through the admin API; a new token for it."""
    gql(client, CREATE_ACCOUNT,
        input={"id": account, "roles": [r.upper() for r in roles],
               "clearances": clearances or []})  # fmt: skip
    issued = gql(client, ISSUE_TOKEN, account=account)["issueToken"]
    token: str = issued["token"]
    return token


def post_as(
    client: TestClient,
    token: str | None,
    query: str,
    request_id: str | None = None,
    **variables: Any,
) -> dict[str, Any]:
    """A GraphQL request with this token (None: no Authorization header at all)."""
    headers = {"Authorization": f"Bearer {token}" if token else ""}
    if request_id:
        headers["X-Request-ID"] = request_id
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"].get("code") if errors else None


def audit_events(driver: Driver, **where: Any) -> list[dict[str, Any]]:
    """Stored audit events matching property equalities, in chain order."""
    records, _, _ = driver.execute_query(
        "MATCH (a:AuditEvent) WHERE all(k IN keys($where) WHERE a[k] = $where[k]) "
        "RETURN properties(a) AS e ORDER BY a.seq",
        where=where,
    )
    return [r["e"] for r in records]


def audit_count(driver: Driver) -> int:
    records, _, _ = driver.execute_query("MATCH (a:AuditEvent) RETURN count(a) AS n")
    return int(records[0]["n"])


def root_fields(query: str) -> set[str]:
    """The root fields an operation document selects (aliases resolved to field names)."""
    return {
        selection.name.value
        for definition in parse(query).definitions
        if isinstance(definition, OperationDefinitionNode)
        for selection in definition.selection_set.selections
        if isinstance(selection, FieldNode)
    }


def arrow_stream(rows: list[dict[str, Any]]) -> bytes:
    """Rows as the body of a bulk load: one Arrow IPC stream."""
    sink = io.BytesIO()
    table = pa.Table.from_pylist(rows)
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def bulk_load(
    client: TestClient, kind: str, rows: list[dict[str, Any]], reason: str | None = None
) -> tuple[int, dict[str, Any]]:
    """POST rows as an Arrow IPC stream to /api/v1/load/<kind>: (status, body)."""
    params = {"reason": reason} if reason else None
    response = client.post(f"/api/v1/load/{kind}", content=arrow_stream(rows), params=params)
    body: dict[str, Any] = response.json()
    return response.status_code, body


def graph_snapshot(driver: Driver) -> tuple[list[Any], list[Any]]:
    """Every node and relationship with its labels or type and properties: to show nothing
    changed."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props "
        "ORDER BY id"
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN elementId(r) AS id, type(r) AS type, elementId(a) AS a, "
        "elementId(b) AS b, properties(r) AS props ORDER BY id"
    )
    return [n.data() for n in nodes], [r.data() for r in rels]
