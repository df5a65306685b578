"""Timing primitives of the benchmark harness: clients for each way, latency percentiles,
throughput, and the result rows that the table and the JSON file show."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from neo4j import AsyncDriver, RoutingControl

API, FLOOR, NEO4J_GRAPHQL = "api", "floor", "neo4j-graphql"
WAY_TITLES = {
    API: "catalog API (HTTP)",
    FLOOR: "bare driver Cypher",
    NEO4J_GRAPHQL: "@neo4j/graphql (HTTP)",
}


class AnswerError(RuntimeError):
    """A request did not return a usable answer (HTTP error or GraphQL errors)."""


@dataclass
class Result:
    """One workload measured one way."""

    workload: str
    way: str
    clients: int
    requests: int
    p50_ms: float
    p99_ms: float
    throughput: float
    unit: str  # what throughput counts per second: "req" or "rows"
    wall_s: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank q-th percentile (0 < q <= 100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


Call = Callable[[int], Awaitable[Any]]


async def measure(
    call: Call,
    *,
    workload: str,
    way: str,
    requests: int,
    warmup: int,
    clients: int = 1,
    rows_per_request: int | None = None,
) -> Result:
    """Run warmup calls, then `requests` calls spread over `clients` concurrent workers."""
    warm = itertools.count()

    async def warm_worker() -> None:
        while (i := next(warm)) < warmup:
            await call(i)

    await asyncio.gather(*(warm_worker() for _ in range(min(clients, max(warmup, 1)))))
    latencies: list[float] = []
    numbers = itertools.count(warmup)
    last = warmup + requests

    async def worker() -> None:
        while (i := next(numbers)) < last:
            started = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - started
    per_second = requests / wall * (rows_per_request or 1)
    return Result(
        workload=workload,
        way=way,
        clients=clients,
        requests=len(latencies),
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        throughput=per_second,
        unit="rows" if rows_per_request else "req",
        wall_s=wall,
    )


class GraphQLClient:
    """POSTs GraphQL to one endpoint; the answer is parsed, errors raise AnswerError."""

    def __init__(self, http: httpx.AsyncClient, url: str, token: str | None = None) -> None:
        self.http = http
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.last_extensions: dict[str, Any] = {}

    async def query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of the response."""
        response = await self.http.post(
            self.url, json={"query": query, "variables": variables}, headers=self.headers
        )
        if response.status_code != 200:
            raise AnswerError(f"{self.url}: HTTP {response.status_code}: {response.text[:500]}")
        body = response.json()
        if body.get("errors"):
            raise AnswerError(f"{self.url}: {json.dumps(body['errors'])[:1000]}")
        self.last_extensions = body.get("extensions") or {}
        data: dict[str, Any] = body["data"]
        return data


class CypherClient:
    """Runs one statement through the bare async driver and serializes the rows as JSON,
    the work any server would do to answer with them."""

    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self.driver = driver
        self.database = database

    async def rows(
        self, statement: str, params: dict[str, Any], *, write: bool = False
    ) -> list[dict[str, Any]]:
        """The rows as dicts (read transactions unless write)."""
        records, _, _ = await self.driver.execute_query(
            statement,
            params,
            database_=self.database,
            routing_=RoutingControl.WRITE if write else RoutingControl.READ,
        )
        return [record.data() for record in records]

    async def answer(
        self, statement: str, params: dict[str, Any], *, write: bool = False
    ) -> list[dict[str, Any]]:
        """The rows, after serializing them to JSON as a response body would be."""
        rows = await self.rows(statement, params, write=write)
        json.dumps(rows, default=str)
        return rows
