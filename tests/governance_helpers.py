"""Accounts and requests as somebody else, for the governance tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
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
