"""Way (c): the same questions through the Neo4j GraphQL Library (scripts/neo4j-graphql-bench)."""

from __future__ import annotations

from typing import Any

from bench_measure import GraphQLClient


async def trace(client: GraphQLClient, key: str) -> dict[str, Any]:
    """Q1 as a nested query."""
    raise NotImplementedError


def trace_signature(data: dict[str, Any]) -> tuple[Any, ...]:
    """What W1 compares across ways."""
    raise NotImplementedError


async def lookup(client: GraphQLClient, key: str) -> dict[str, Any]:
    """A prediction with its deployment and model version."""
    raise NotImplementedError


async def ingest(client: GraphQLClient, rows: list[list[Any]]) -> None:
    """Create predictions linked to their deployment and model version."""
    raise NotImplementedError


async def wide(client: GraphQLClient, width: int, after: str) -> list[dict[str, Any]]:
    """`width` runs after a key, 10 fields each."""
    raise NotImplementedError
