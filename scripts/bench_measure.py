"""Timing primitives of the benchmark harness: clients for each way, latency percentiles,
throughput, and the result rows that the table and the JSON file show."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import ssl
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
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

# The worker a call runs in (0 to clients - 1), set by `measure`: each concurrent worker is
# one client with its own HTTP connection (HttpClients), as independent clients are.
WORKER: ContextVar[int] = ContextVar("bench_worker", default=0)


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
    """Run warmup calls, then `requests` calls spread over `clients` concurrent workers.

    With any warm-up, every worker makes at least one warm-up call (so there are at least
    `clients` of them): each worker's connection, and the connections the server opens to
    Neo4j for that many requests at once, are open before the clock starts. With 20
    warm-up calls and 32 workers, 12 workers used to open theirs inside the 200 measured
    calls, a stall of about 0.7 s that was a third of the run at 32 clients."""
    warm_calls = max(warmup, clients) if warmup > 0 else 0
    warm = itertools.count()

    async def warm_worker(n: int) -> None:
        WORKER.set(n)  # each worker is a task of its own: the value stays in its context
        while (i := next(warm)) < warm_calls:
            await call(i)

    await asyncio.gather(*(warm_worker(n) for n in range(clients if warm_calls else 0)))
    latencies: list[float] = []
    numbers = itertools.count(warm_calls)
    last = warm_calls + requests

    async def worker(n: int) -> None:
        WORKER.set(n)
        while (i := next(numbers)) < last:
            started = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(clients)))
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


class HttpClients:
    """One httpx client per worker of `measure` (WORKER), each with one keep-alive
    connection, kept for the whole run. One client with a pool shared by 32 workers spent
    about 3.4 ms of the harness's CPU per request in httpx's pool, against 1.2 ms with a
    connection per worker (a lookup, 2026-12-05), on the cores the servers measured use:
    it capped what the API and @neo4j/graphql seemed to serve at 32 clients, and the
    floor (the driver's own pool) was not capped."""

    def __init__(self, *, timeout: float) -> None:
        self._timeout = timeout
        self._tls = ssl.create_default_context()
        self._clients: list[httpx.AsyncClient] = []

    def current(self) -> httpx.AsyncClient:
        """The client of the worker this call runs in."""
        n = WORKER.get()
        while len(self._clients) <= n:
            one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            # One TLS context for all: httpx builds one per client otherwise (about 20 ms,
            # on the event loop), though every server measured is plain HTTP.
            self._clients.append(
                httpx.AsyncClient(timeout=self._timeout, limits=one, verify=self._tls)
            )
        return self._clients[n]

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.current().post(url, **kwargs)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
        self._clients.clear()


class GraphQLClient:
    """POSTs GraphQL to one endpoint; the answer is parsed, errors raise AnswerError."""

    def __init__(self, http: HttpClients, url: str, token: str | None = None) -> None:
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
