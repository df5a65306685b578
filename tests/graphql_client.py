"""A small helper to post GraphQL to the real app and fail loudly on unexpected errors."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The response body; asserts there are no errors."""
    body = post(client, query, **variables)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def post(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The whole response body (data, errors, extensions)."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
