"""The benchmark workloads W1-W6, each measured through the catalog API, the bare-driver
floor and, when it runs, the Neo4j GraphQL Library; each first checks that the ways agree."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import bench_ngql as ngql
import bench_queries as q
import pyarrow as pa
import pyarrow.ipc as ipc
from bench_measure import (
    API,
    FLOOR,
    NEO4J_GRAPHQL,
    AnswerError,
    CypherClient,
    GraphQLClient,
    HttpClients,
    Result,
    measure,
)

from lineage_catalog.store.predictions import prediction_groups

T0 = datetime(2026, 11, 2, tzinfo=UTC)


@dataclass
class Samples:
    """Inputs the workloads draw from, read from the loaded catalog."""

    predictions: list[str]  # prediction keys
    raw_versions: list[str]  # raw dataset version keys (Q2 starts)
    score_versions: list[str]  # uids of batch-score dataset versions (deepest lineage)
    served: list[tuple[str, str]]  # (deployment key, model version key) that served traffic
    run_keys: list[str]  # every run key, in order (W6 pages)


@dataclass
class Bench:
    """Everything a workload needs: the three ways, the samples and the sizes."""

    api: GraphQLClient
    api_http: HttpClients
    api_url: str
    api_headers: dict[str, str]
    floor: CypherClient
    ngql: GraphQLClient | None
    samples: Samples
    requests: int
    warmup: int
    run_id: str  # keeps the keys written by this run apart from any earlier run's
    wide_requests: int = 20  # W6 answers take seconds: fewer requests keep the run in budget
    wide_warmup: int = 3
    notes: list[str] = field(default_factory=list)

    def pick(self, items: list[Any], i: int, salt: int = 0) -> Any:
        """A deterministic pseudo-random item for request number i."""
        return items[random.Random(i * 7919 + salt).randrange(len(items))]


def _ids(items: list[dict[str, Any]] | None) -> list[str]:
    return sorted(str(x["id"]) for x in items or [])


def _agree(bench: Bench, workload: str, signatures: dict[str, Any]) -> None:
    """Record whether every way returned the same answer for the same input, and how many
    Cypher statements the API sent for it."""
    statements = bench.api.last_extensions.get("neo4jStatements")
    if statements is not None:
        bench.notes.append(f"{workload}: the API sent {statements} Cypher statements")
    first_way, first = next(iter(signatures.items()))
    differing = [way for way, sig in signatures.items() if sig != first]
    if differing:
        detail = "; ".join(f"{way}: {str(sig)[:300]}" for way, sig in signatures.items())
        bench.notes.append(f"{workload}: answers differ ({detail})")
    else:
        ways = ", ".join(signatures)
        bench.notes.append(f"{workload}: same answer from {ways} (checked on one input)")
    del first_way


async def _run_ways(
    bench: Bench,
    workload: str,
    calls: dict[str, Callable[[int], Any]],
    clients: int = 1,
    rows: int | None = None,
    requests: int | None = None,
    warmup: int | None = None,
) -> list[Result]:
    results = []
    for way, call in calls.items():
        print(f"  {workload} {way} x{clients} ...", flush=True)
        results.append(
            await measure(
                call,
                workload=workload,
                way=way,
                requests=requests or bench.requests,
                warmup=bench.warmup if warmup is None else warmup,
                clients=clients,
                rows_per_request=rows,
            )
        )
    return results


# --- W1 prediction trace -------------------------------------------------------------------


def _trace_signature_api(data: dict[str, Any]) -> tuple[Any, ...]:
    t = data["predictionTrace"]
    return (
        _ids(t["runs"]),
        _ids(t["datasetVersions"]),
        _ids(t["features"]),
        _ids(t["codeCommits"]),
        len(t["edges"]),
        len(t["owners"]),
    )


def _trace_signature_floor(rows: list[dict[str, Any]]) -> tuple[Any, ...]:
    (t,) = rows
    return (
        _ids(t["runs"]),
        _ids(t["dataset_versions"]),
        _ids(t["features"]),
        _ids(t["code_commits"]),
        len(t["edges"]),
        len(t["owners"]),
    )


def _trace_params(key: str) -> dict[str, Any]:
    return {"uid": f"Prediction:{key}", "now": datetime.now(UTC)}


async def w1_trace(bench: Bench) -> list[Result]:
    """W1: Q1 predictionTrace for random predictions."""
    key = bench.samples.predictions[0]
    signatures = {
        API: _trace_signature_api(await bench.api.query(q.TRACE_API, {"key": key})),
        FLOOR: _trace_signature_floor(await bench.floor.answer(q.TRACE_CYPHER, _trace_params(key))),
    }
    calls: dict[str, Callable[[int], Any]] = {
        API: lambda i: bench.api.query(
            q.TRACE_API, {"key": bench.pick(bench.samples.predictions, i)}
        ),
        FLOOR: lambda i: bench.floor.answer(
            q.TRACE_CYPHER, _trace_params(bench.pick(bench.samples.predictions, i))
        ),
    }
    if bench.ngql:
        client = bench.ngql
        signatures[NEO4J_GRAPHQL] = ngql.trace_signature(await ngql.trace(client, key))
        calls[NEO4J_GRAPHQL] = lambda i: ngql.trace(
            client, bench.pick(bench.samples.predictions, i)
        )
    _agree(bench, "W1", signatures)
    return await _run_ways(bench, "W1 trace", calls)


# --- W2 impact -----------------------------------------------------------------------------


def _impact_signature_api(data: dict[str, Any]) -> tuple[Any, ...]:
    t = data["impact"]
    return (
        _ids(t["runs"]),
        _ids(t["datasetVersions"]),
        _ids(t["features"]),
        _ids(t["modelVersions"]),
        _ids(t["evaluations"]),
        t["predictionCount"],
    )


def _impact_signature_floor(rows: list[dict[str, Any]]) -> tuple[Any, ...]:
    (t,) = rows
    return (
        _ids(t["runs"]),
        _ids(t["dataset_versions"]),
        _ids(t["features"]),
        _ids(t["model_versions"]),
        _ids(t["evaluations"]),
        t["prediction_count"],
    )


async def w2_impact(bench: Bench) -> list[Result]:
    """W2: Q2 impact of a raw dataset version."""
    versions = bench.samples.raw_versions
    key = versions[0]
    signatures = {
        API: _impact_signature_api(await bench.api.query(q.IMPACT_API, {"key": key})),
        FLOOR: _impact_signature_floor(
            await bench.floor.answer(q.IMPACT_CYPHER, {"uid": f"DatasetVersion:{key}"})
        ),
    }
    _agree(bench, "W2", signatures)
    calls: dict[str, Callable[[int], Any]] = {
        API: lambda i: bench.api.query(q.IMPACT_API, {"key": bench.pick(versions, i)}),
        FLOOR: lambda i: bench.floor.answer(
            q.IMPACT_CYPHER, {"uid": f"DatasetVersion:{bench.pick(versions, i)}"}
        ),
    }
    return await _run_ways(bench, "W2 impact", calls)


# --- W3 upstream lineage, depth 10 ---------------------------------------------------------


async def w3_upstream(bench: Bench) -> list[Result]:
    """W3: lineage(UPSTREAM, depth 10) from batch-score dataset versions (the deepest)."""
    starts = bench.samples.score_versions
    api_answer = (await bench.api.query(q.UPSTREAM_API, {"id": starts[0]}))["lineage"]
    (floor_answer,) = await bench.floor.answer(q.UPSTREAM_CYPHER, {"uid": starts[0]})
    _agree(
        bench,
        "W3",
        {
            API: (_ids(api_answer["nodes"]), len(api_answer["edges"])),
            FLOOR: (_ids(floor_answer["nodes"]), len(floor_answer["edges"])),
        },
    )
    calls: dict[str, Callable[[int], Any]] = {
        API: lambda i: bench.api.query(q.UPSTREAM_API, {"id": bench.pick(starts, i)}),
        FLOOR: lambda i: bench.floor.answer(q.UPSTREAM_CYPHER, {"uid": bench.pick(starts, i)}),
    }
    return await _run_ways(bench, "W3 upstream d10", calls)


# --- W4 mixed, N concurrent clients --------------------------------------------------------

INGEST_ROWS = 100  # predictions per W4 ingest batch


def _prediction_rows(bench: Bench, way: str, batch: int, size: int) -> list[list[Any]]:
    """[key, epoch micros, output, deployment, model version] rows, unique to (run, way)."""
    deployment, version = bench.pick(bench.samples.served, batch, salt=1)
    base = (T0 - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return [
        [
            f"bench-{bench.run_id}-{way}-{batch:06d}-{n:05d}",
            base + batch * 1000 + n,
            f'{{"score": {n % 100 / 100}}}',
            deployment,
            version,
        ]
        for n in range(size)
    ]


def arrow_body(rows: list[list[Any]]) -> bytes:
    """Prediction rows as an Arrow IPC stream, the body of POST /api/v1/load/predictions."""
    table = pa.table(
        {
            "key": [r[0] for r in rows],
            "deployment": [r[3] for r in rows],
            "model_version": [r[4] for r in rows],
            "time": pa.array([r[1] for r in rows], type=pa.int64()).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "output": [r[2] for r in rows],
        }
    )
    sink = io.BytesIO()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


async def api_ingest(bench: Bench, body: bytes) -> None:
    """One bulk load request to the catalog."""
    response = await bench.api_http.post(
        bench.api_url + "/api/v1/load/predictions",
        content=body,
        headers={**bench.api_headers, "Content-Type": "application/vnd.apache.arrow.stream"},
    )
    if response.status_code != 200:
        raise AnswerError(f"load: HTTP {response.status_code}: {response.text[:500]}")


async def floor_ingest(bench: Bench, params: dict[str, Any]) -> None:
    """FLOOR_INGEST, rows and day counts prepared beforehand."""
    await bench.floor.rows(q.FLOOR_INGEST, {**params, "now": datetime.now(UTC)}, write=True)


# One cycle of 20 requests: exactly 80% lookups, 15% traces, 5% ingest batches, in a fixed
# shuffled order that starts with one of each (the warm-up plans every statement).
_REST = ["trace"] * 2 + ["lookup"] * 15
_CYCLE = ["ingest", "trace", "lookup", *random.Random(20).sample(_REST, len(_REST))]


def _mixed_op(i: int) -> str:
    return _CYCLE[i % len(_CYCLE)]


async def w4_mixed(bench: Bench, clients: list[int]) -> list[Result]:
    """W4: 80% lookups, 15% traces, 5% ingest batches of 100 predictions, N clients."""
    preds = bench.samples.predictions
    results = []
    for n in clients:
        tag = f"w4c{n}"

        def rows(way: str, i: int, tag: str = tag) -> list[list[Any]]:
            return _prediction_rows(bench, f"{tag}{way}", i, INGEST_ROWS)

        async def api_call(i: int, rows: Callable[[str, int], list[list[Any]]] = rows) -> Any:
            op, key = _mixed_op(i), bench.pick(preds, i)
            if op == "lookup":
                return await bench.api.query(q.LOOKUP_API, {"key": key})
            if op == "trace":
                return await bench.api.query(q.TRACE_API, {"key": key})
            return await api_ingest(bench, arrow_body(rows("a", i)))

        async def floor_call(i: int, rows: Callable[[str, int], list[list[Any]]] = rows) -> Any:
            op, key = _mixed_op(i), bench.pick(preds, i)
            if op == "lookup":
                return await bench.floor.answer(q.LOOKUP_CYPHER, {"uid": f"Prediction:{key}"})
            if op == "trace":
                return await bench.floor.answer(q.TRACE_CYPHER, _trace_params(key))
            return await floor_ingest(bench, q.floor_rows(prediction_groups(rows("b", i))))

        calls: dict[str, Callable[[int], Any]] = {API: api_call, FLOOR: floor_call}
        if bench.ngql:
            client = bench.ngql

            async def ngql_call(
                i: int,
                rows: Callable[[str, int], list[list[Any]]] = rows,
                client: GraphQLClient = client,
            ) -> Any:
                op, key = _mixed_op(i), bench.pick(preds, i)
                if op == "lookup":
                    return await ngql.lookup(client, key)
                if op == "trace":
                    return await ngql.trace(client, key)
                return await ngql.ingest(client, rows("c", i))

            calls[NEO4J_GRAPHQL] = ngql_call
        results += await _run_ways(bench, "W4 mixed", calls, clients=n)
    return results


# --- W5 bulk load of predictions ------------------------------------------------------------


async def w5_bulk(bench: Bench, batch_rows: int, ngql_batch_rows: int) -> list[Result]:
    """W5: bulk loads of new predictions, batch_rows per request; throughput in rows/s."""
    total = bench.warmup + bench.requests
    bodies = [arrow_body(_prediction_rows(bench, "w5a", i, batch_rows)) for i in range(total)]
    prepared = [
        q.floor_rows(prediction_groups(_prediction_rows(bench, "w5b", i, batch_rows)))
        for i in range(total)
    ]
    results = await _run_ways(
        bench,
        "W5 bulk load",
        {
            API: lambda i: api_ingest(bench, bodies[i]),
            FLOOR: lambda i: floor_ingest(bench, prepared[i]),
        },
        rows=batch_rows,
    )
    if bench.ngql:
        client = bench.ngql
        batches = [_prediction_rows(bench, "w5c", i, ngql_batch_rows) for i in range(total)]
        results += await _run_ways(
            bench,
            "W5 bulk load",
            {
                NEO4J_GRAPHQL: lambda i: ngql.ingest(client, batches[i]),
            },
            rows=ngql_batch_rows,
        )
    return results


# --- W6 wide read --------------------------------------------------------------------------


async def w6_wide(bench: Bench, width: int) -> list[Result]:
    """W6: `width` runs with 10 fields each in one response."""
    keys = bench.samples.run_keys
    # Pages start at a few different keys, each with `width` runs after it.
    starts = ["", *[keys[j] for j in range(0, max(1, len(keys) - width), 997)][1:8]]
    api_rows = (await bench.api.query(q.WIDE_API, {"first": width, "after": None}))["nodes"]
    floor_rows = await bench.floor.answer(q.WIDE_CYPHER, {"first": width, "after": ""})
    signatures = {
        API: [e["node"]["id"] for e in api_rows["edges"]],
        FLOOR: [r["id"] for r in floor_rows],
    }
    calls: dict[str, Callable[[int], Any]] = {
        API: lambda i: bench.api.query(
            q.WIDE_API, {"first": width, "after": _cursor(bench.pick(starts, i))}
        ),
        FLOOR: lambda i: bench.floor.answer(
            q.WIDE_CYPHER, {"first": width, "after": bench.pick(starts, i)}
        ),
    }
    if bench.ngql:
        client = bench.ngql
        signatures[NEO4J_GRAPHQL] = [r["uid"] for r in await ngql.wide(client, width, "")]
        calls[NEO4J_GRAPHQL] = lambda i: ngql.wide(client, width, bench.pick(starts, i))
    _agree(bench, "W6", {way: (len(ids), ids[:1], ids[-1:]) for way, ids in signatures.items()})
    return await _run_ways(
        bench,
        f"W6 wide {width // 1000}k",
        calls,
        requests=bench.wide_requests,
        warmup=bench.wide_warmup,
    )


def _cursor(after: str) -> str | None:
    import base64

    return base64.urlsafe_b64encode(after.encode()).decode() if after else None
