"""Monitoring workloads of the benchmark harness (issue 13): M1 `health` of a deployment,
through the API and the bare-driver floor; M2 the prediction trace with its incidents
against the same trace without them, both through the API, with their ratio. Before the
first of them, the harness catalog gets monitors, observations and incidents through the
API (GraphQL and the bulk observation loader), as a monitoring system would send them."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import bench_queries as q
import pyarrow as pa
import pyarrow.ipc as ipc
from bench_measure import API, FLOOR, AnswerError, Result
from bench_workloads import Bench, _agree, _run_ways

from lineage_catalog.store.files import query_text

OBSERVATIONS_PER_MONITOR = 100
MONITORED_DEPLOYMENTS = 100
DQ_INCIDENTS = 200
TIME_RANGE = "MATCH (p:Prediction) RETURN min(p.time) AS first, max(p.time) AS last"
REGISTER = "mutation($input: MonitorInput!) { registerMonitor(input: $input) { key } }"
OPEN = "mutation($input: OpenIncidentInput!) { openIncident(input: $input) { key } }"
HEALTH_API = """query($target: ID!, $asOf: DateTime) { health(target: $target, asOf: $asOf) {
  healthy monitors { monitor { key metric threshold } latest { value observedAt } breached }
  openIncidents { key status severity openedAt about { id } } } }"""
TRACE_INCIDENTS_API = q.TRACE_API.replace(
    "    upstreamModelVersions { id key }\n",
    "    upstreamModelVersions { id key }\n"
    "    incidents { key status severity openedAt closedAt about { id } }\n",
)
_ARRANGED: dict[str, tuple[datetime, timedelta]] = {}


def _deployments(bench: Bench) -> list[str]:
    return sorted({d for d, _ in bench.samples.served})[:MONITORED_DEPLOYMENTS]


def _monitor_keys(bench: Bench) -> list[tuple[str, str]]:
    """(monitor key, deployment key) for the first served deployments: a null-rate and an
    auc monitor each."""
    deployments = _deployments(bench)
    return [(f"bench-{bench.run_id}-{d}-{m}", d) for d in deployments for m in ("nulls", "auc")]


async def _load_observations(bench: Bench, rows: list[dict[str, Any]]) -> None:
    sink = io.BytesIO()
    table = pa.Table.from_pylist(rows)
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    response = await bench.api_http.post(
        bench.api_url + "/api/v1/load/observations", content=sink.getvalue(),
        params={"reason": "bench monitoring"}, headers=bench.api_headers, timeout=600.0,
    )  # fmt: skip
    if response.status_code != 200:
        raise AnswerError(f"observations: HTTP {response.status_code}: {response.text[:500]}")


async def arrange(bench: Bench) -> None:
    """Monitors on served deployments with a history of values over the predictions' time
    range (breaches open and resolve incidents), and data-quality incidents on raw dataset
    versions (upstream of the traces), opened before the first prediction and left open;
    once per run."""
    if bench.run_id in _ARRANGED:
        return
    (span,) = await bench.floor.rows(TIME_RANGE, {})
    first, last = span["first"].to_native(), span["last"].to_native()
    step = (last - first) / OBSERVATIONS_PER_MONITOR
    _ARRANGED[bench.run_id] = (first, step)
    monitors = _monitor_keys(bench)
    rows = []
    for n, (key, deployment) in enumerate(monitors):
        quality = key.endswith("nulls")
        await bench.api.query(REGISTER, {"input": {
            "key": key, "target": f"Deployment:{deployment}",
            "type": "DATA_QUALITY" if quality else "PERFORMANCE",
            "metric": "null_rate" if quality else "auc", "threshold": 0.05 if quality else 0.7,
            "direction": "ABOVE" if quality else "BELOW", "resolveAfter": 3,
        }})  # fmt: skip
        for i in range(OBSERVATIONS_PER_MONITOR):
            # A breach in one window of 40 of every monitor's history: incidents open and close.
            breach = (i + n) % 40 < 4
            value = (0.2 if breach else 0.01) if quality else (0.6 if breach else 0.85)
            rows.append({"monitor": key, "value": value,
                         "observed_at": first + step * i})  # fmt: skip
    await _load_observations(bench, rows)
    raw = bench.samples.raw_versions
    flagged = raw[:: max(1, len(raw) // DQ_INCIDENTS)][:DQ_INCIDENTS]
    for i, version in enumerate(flagged):
        await bench.api.query(OPEN, {"input": {
            "key": f"bench-{bench.run_id}-dq-{i}", "targets": [f"DatasetVersion:{version}"],
            "title": "null rate above 5%", "severity": "HIGH", "reason": "bench",
            "openedAt": (first - timedelta(days=1)).isoformat(),
        }})  # fmt: skip
    bench.notes.append(
        f"M: {len(monitors)} monitors on {len(monitors) // 2} deployments, "
        f"{len(rows):,} observations (bulk), {len(flagged)} open incidents on "
        f"{len(flagged)} of {len(raw)} raw dataset versions"
    )


def _health_at(bench: Bench, i: int) -> str:
    first, step = _ARRANGED[bench.run_id]
    return (first + step * ((i % OBSERVATIONS_PER_MONITOR) + 0.5)).isoformat()


def _health_floor_params(deployment: str, at: str) -> dict[str, Any]:
    return {"targets": [f"Deployment:{deployment}"], "at": datetime.fromisoformat(at),
            "limit": 100, "evidence_limit": 100}  # fmt: skip


async def m1_health(bench: Bench) -> list[Result]:
    """M1: health(target: a served deployment, asOf: a time in its monitors' history)."""
    await arrange(bench)
    deployments = _deployments(bench)
    statement = query_text("monitoring/health_of_targets")
    api = await bench.api.query(
        HEALTH_API, {"target": f"Deployment:{deployments[0]}", "asOf": _health_at(bench, 0)}
    )
    (row,) = await bench.floor.answer(
        statement, _health_floor_params(deployments[0], _health_at(bench, 0))
    )
    (floor,) = row["rows"]
    _agree(bench, "M1", {
        API: (len(api["health"]["monitors"]), len(api["health"]["openIncidents"])),
        FLOOR: (len(floor["monitors"]), len(floor["incidents"])),
    })  # fmt: skip
    calls: dict[str, Callable[[int], Any]] = {
        API: lambda i: bench.api.query(HEALTH_API, {
            "target": f"Deployment:{bench.pick(deployments, i)}", "asOf": _health_at(bench, i)}),
        FLOOR: lambda i: bench.floor.answer(
            statement, _health_floor_params(bench.pick(deployments, i), _health_at(bench, i))),
    }  # fmt: skip
    return await _run_ways(bench, "M1 health", calls)


async def m2_trace_incidents(bench: Bench) -> list[Result]:
    """M2: predictionTrace with `incidents` against the same trace without, through the
    API, on the same predictions; the ratio of their medians goes into the notes."""
    await arrange(bench)
    key = bench.samples.predictions[0]
    answer = await bench.api.query(TRACE_INCIDENTS_API, {"key": key})
    more_statements = bench.api.last_extensions.get("neo4jStatements")
    found = len(answer["predictionTrace"]["incidents"])
    await bench.api.query(q.TRACE_API, {"key": key})
    bench.notes.append(
        f"M2: the trace of {key} with its {found} incidents sent {more_statements} Cypher "
        f"statements, without them {bench.api.last_extensions.get('neo4jStatements')}"
    )
    sampled = bench.samples.predictions[:50]
    with_any = 0
    for sample in sampled:
        traced = await bench.api.query(TRACE_INCIDENTS_API, {"key": sample})
        with_any += bool(traced["predictionTrace"]["incidents"])
    bench.notes.append(f"M2: {with_any} of {len(sampled)} sampled traces list an incident")
    results: list[Result] = []
    for name, query in (("M2 trace", q.TRACE_API), ("M2 trace+incidents", TRACE_INCIDENTS_API)):
        calls: dict[str, Callable[[int], Any]] = {
            API: lambda i, query=query: bench.api.query(
                query, {"key": bench.pick(bench.samples.predictions, i)}
            ),
        }
        results += await _run_ways(bench, name, calls)
    base, more = results
    bench.notes.append(
        f"M2: trace with incidents p50 {more.p50_ms:.1f} ms vs without {base.p50_ms:.1f} ms "
        f"({more.p50_ms / base.p50_ms:.2f} x), p99 {more.p99_ms:.1f} vs {base.p99_ms:.1f} ms"
    )
    return results
