"""Benchmark harness: one run on one machine generates a catalog, serves it three ways and
measures workloads W1-W6 (see docs/performance.md).

    .venv/bin/python scripts/bench.py [--predictions 1000000] [--scale 425]

Starts its own local Neo4j (with APOC for the Neo4j GraphQL Library), loads the catalog with
lineage_catalog.demo, starts the catalog API under uvicorn and the @neo4j/graphql server,
all on 127.0.0.1, and stops them all at the end, also on errors and Ctrl-C. Prints one table
(p50, p99, throughput per workload and way, ratios) and writes it as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import bench_monitoring as bm
import bench_profile
import bench_queries as q
import bench_scale as scale
import bench_servers as servers
import bench_workloads as w
import httpx
from bench_import import ImportFigures, measure_import
from bench_measure import (
    API,
    FLOOR,
    NEO4J_GRAPHQL,
    AnswerError,
    CypherClient,
    GraphQLClient,
    HttpClients,
    Result,
)
from neo4j.exceptions import DriverError, Neo4jError

from lineage_catalog import localneo4j
from lineage_catalog.demo import generate, load_catalog
from lineage_catalog.domain.errors import CatalogError
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph, open_driver
from lineage_catalog.store.migrations import migrate

ROOT = servers.ROOT
T = TypeVar("T")
WIDTH = 10_000  # W6: nodes in one response
LINEAGE_NODES_PER_SCALE = 235  # demo.generate: nodes of one copy of the lineage


def _log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# What a late stage (W7, IMPORT) can fail with while the servers and the figures measured
# before it are fine: a wrong answer, HTTP, Neo4j (a statement past the transaction timeout),
# the local Neo4j's restart, the import tool, files, or bench_import's own checks.
_STAGE_ERRORS = (AnswerError, httpx.HTTPError, Neo4jError, DriverError, CatalogError,
                 localneo4j.LocalNeo4jError, OSError, subprocess.SubprocessError,
                 AssertionError)  # fmt: skip


def _stage(name: str, notes: list[str], run: Callable[[], T]) -> T | None:
    """What `run` returns, or None when it fails: its error then becomes a line of the
    notes (its traceback goes to stderr), so the run still prints and writes what it
    measured before (a default run once lost an hour of figures in IMPORT)."""
    try:
        return run()
    except _STAGE_ERRORS as e:
        traceback.print_exc()
        notes.append(f"{name} failed: {type(e).__name__}: {str(e)[:300]}")
        return None


async def load(uri: str, *, seed: int, scale: int, predictions: int) -> str:
    """Migrate, generate and load the catalog; returns its summary line."""
    settings = Settings(neo4j_uri=uri)
    driver = open_driver(settings)
    try:
        await migrate(driver, database=settings.neo4j_database)
        started = time.perf_counter()
        catalog = generate(seed=seed, scale=scale, predictions=predictions)
        _log(f"generated {catalog.summary()} in {time.perf_counter() - started:.0f}s")
        started = time.perf_counter()
        await load_catalog(Graph(driver, database=settings.neo4j_database), catalog)
        _log(f"loaded in {time.perf_counter() - started:.0f}s")
        return catalog.summary()
    finally:
        await driver.close()


async def samples(floor: CypherClient, *, predictions: int, seed: int) -> w.Samples:
    """What the workloads draw from: keys read back from the loaded graph."""
    rng = random.Random(seed)
    picked = rng.sample(range(predictions), k=min(predictions, 2000))
    rows = await floor.rows(q.SAMPLE_SERVED_PAIRS, {})
    return w.Samples(
        predictions=[f"pred-{i:08d}" for i in picked],
        raw_versions=[r["key"] for r in await floor.rows(q.SAMPLE_RAW_VERSIONS, {})],
        score_versions=[r["uid"] for r in await floor.rows(q.SAMPLE_SCORE_VERSIONS, {})],
        served=[(r["deployment"], r["model_version"]) for r in rows],
        run_keys=[r["key"] for r in await floor.rows(q.RUN_KEYS, {})],
    )


async def run_workloads(
    args: argparse.Namespace,
    *,
    neo4j_uri: str,
    api_url: str,
    ngql_url: str | None,
    token: str | None,
    api_pid: int,
) -> tuple[list[Result], list[str], dict[str, str]]:
    """Every selected workload, every way; returns the results and the answer checks."""
    settings = Settings(neo4j_uri=neo4j_uri)
    driver = open_driver(settings)
    http = HttpClients(timeout=600.0)
    try:
        floor = CypherClient(driver, settings.neo4j_database)
        bench = w.Bench(
            api=GraphQLClient(http, api_url + "/graphql", token),
            api_http=http,
            api_url=api_url,
            api_headers={"Authorization": f"Bearer {token}"} if token else {},
            floor=floor,
            ngql=GraphQLClient(http, ngql_url + "/graphql") if ngql_url else None,
            samples=await samples(floor, predictions=args.predictions, seed=args.seed),
            requests=args.requests,
            warmup=args.warmup,
            run_id=f"{int(time.time()):x}",
            wide_requests=args.wide_requests,
        )
        chosen = set(args.workloads.split(","))
        results: list[Result] = []
        steps = [
            ("W1", lambda: w.w1_trace(bench)),
            ("W2", lambda: w.w2_impact(bench)),
            ("W3", lambda: w.w3_upstream(bench)),
            ("W6", lambda: w.w6_wide(bench, WIDTH)),
            ("W4", lambda: w.w4_mixed(bench, [int(n) for n in args.clients.split(",")])),
            ("W5", lambda: w.w5_bulk(bench, args.bulk_rows, args.ngql_bulk_rows)),
            ("M1", lambda: bm.m1_health(bench)),
            ("M2", lambda: bm.m2_trace_incidents(bench)),
        ]
        for name, step in steps:
            if name in chosen:
                _log(f"{name} ...")
                results += await step()
        profiles = await profile_api(args, bench, chosen, api_pid) if args.profile else {}
        return results, bench.notes, profiles
    finally:
        await http.aclose()
        await driver.close()


async def warm_after_restart(api_url: str, token: str | None, *, predictions: int) -> str:
    """Traces until one answers in time (at most 10): a restarted Neo4j starts with an
    empty page cache and no query plans, and its first trace was seen to pass the API's
    30 s budget on the 1M catalog. Returns how long each took, for the notes."""
    taken: list[str] = []
    http = HttpClients(timeout=120.0)
    api = GraphQLClient(http, api_url + "/graphql", token)
    try:
        for i in range(10):
            started = time.perf_counter()
            try:
                await api.query(q.TRACE_API, {"key": f"pred-{(i * 7919) % predictions:08d}"})
            except AnswerError as e:
                taken.append(f"{time.perf_counter() - started:.1f}s ({str(e)[-60:]})")
                continue
            taken.append(f"{time.perf_counter() - started:.1f}s")
            if len(taken) >= 3:
                break
    finally:
        await http.aclose()
    return ", ".join(taken)


def run_w7(
    args: argparse.Namespace,
    neo4j: list[localneo4j.RunningNeo4j],
    start_options: dict[str, Any],
    *,
    api_url: str,
    token: str | None,
    api_pid: int,
) -> tuple[W7Figures, list[Result], list[str]]:
    """W7: W1-W3 on the catalog as loaded, then with ten times the predictions, each after
    a clean restart (which also lets the store's size be read); returns the figures, the
    results (workloads "W7 <name> small|large", API and floor) and the answer checks.
    neo4j[0] is always the Neo4j running now (what the harness stops at the end)."""
    after = args.w7_predictions or 10 * args.predictions
    if after <= args.predictions:
        raise SystemExit("--w7-predictions must be more than --predictions")
    found: list[Result] = []
    checks: list[str] = []

    def measure(predictions: int, label: str) -> None:
        checks.append(
            f"W7 at {predictions:,}: first traces after the restart took "
            + asyncio.run(warm_after_restart(api_url, token, predictions=predictions))
        )
        sub = argparse.Namespace(**{**vars(args), "workloads": "W1,W2,W3",
                                    "predictions": predictions, "profile": False})  # fmt: skip
        results, notes, _ = asyncio.run(
            run_workloads(
                sub,
                neo4j_uri=neo4j[0].uri,
                api_url=api_url,
                ngql_url=None,
                token=token,
                api_pid=api_pid,
            )
        )
        found.extend(replace(r, workload=f"W7 {r.workload} {label}") for r in results)
        checks.extend(f"W7 at {predictions:,}: {note}" for note in notes)

    _log("W7: restarting Neo4j to read the store's size ...")
    neo4j[0], before_size = scale.restart(neo4j[0], **start_options)
    _log(f"W7: W1-W3 at {args.predictions:,} predictions ...")
    measure(args.predictions, "small")
    _log(f"W7: adding {after - args.predictions:,} predictions ...")
    added = asyncio.run(
        scale.top_up(
            neo4j[0].uri,
            seed=args.seed,
            scale=args.scale,
            first=args.predictions,
            count=after - args.predictions,
        )
    )
    _log("W7: restarting Neo4j ...")
    neo4j[0], after_size = scale.restart(neo4j[0], **start_options)
    _log(f"W7: W1-W3 at {after:,} predictions ...")
    measure(after, "large")
    figures = W7Figures(args.predictions, after, before_size, after_size, added)
    return figures, found, checks


async def profile_api(
    args: argparse.Namespace, bench: w.Bench, chosen: set[str], pid: int
) -> dict[str, str]:
    """py-spy profiles of the API process, taken after (never during) the measurements."""
    preds = bench.samples.predictions
    passes = {
        "W1": (
            "W1 trace",
            100,
            lambda i: bench.api.query(q.TRACE_API, {"key": bench.pick(preds, i + 10_000)}),
        ),
        "W6": (
            "W6 wide 10k",
            3,
            lambda i: bench.api.query(q.WIDE_API, {"first": WIDTH, "after": None}),
        ),
    }
    profiles = {}
    for name, (title, requests, call) in passes.items():
        if name in chosen:
            _log(f"profiling the API on {title} ...")
            out = args.out.parent / f"profile-{name}.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            profiles[title] = await bench_profile.profile(pid, call, requests=requests, out=out)
    return profiles


def _ratio(mine: Result | None, other: Result | None, *, by: str) -> str:
    if mine is None or other is None:
        return "-"
    if by == "p50":
        return f"{mine.p50_ms / other.p50_ms:.2f}"
    # Throughput ratio inverted, so that above 1 always means the API is slower.
    return f"{other.throughput / mine.throughput:.2f}"


def table(results: list[Result]) -> str:
    """The results as a text table; ratios are API/floor and API/@neo4j/graphql."""
    index = {(r.workload, r.clients, r.way): r for r in results}
    head = (
        f"{'workload':<18}{'N':>3}  {'way':<14}{'reqs':>5}{'p50 ms':>10}{'p99 ms':>10}"
        f"{'throughput':>14}  {'p50 API/floor':>13}{'p50 API/ngql':>13}"
        f"{'tput floor/API':>15}{'tput ngql/API':>14}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        unit = "rows/s" if r.unit == "rows" else "req/s"
        tput = f"{r.throughput:,.0f}" if r.throughput >= 100 else f"{r.throughput:.2f}"
        ratios = ["", "", "", ""]
        if r.way == API:
            floor = index.get((r.workload, r.clients, FLOOR))
            ngql = index.get((r.workload, r.clients, NEO4J_GRAPHQL))
            ratios = [
                _ratio(r, floor, by="p50"),
                _ratio(r, ngql, by="p50"),
                _ratio(r, floor, by="tput"),
                _ratio(r, ngql, by="tput"),
            ]
        lines.append(
            f"{r.workload:<18}{r.clients:>3}  {r.way:<14}{r.requests:>5}{r.p50_ms:>10.1f}"
            f"{r.p99_ms:>10.1f}{tput:>9} {unit:<6}{ratios[0]:>13}{ratios[1]:>13}"
            f"{ratios[2]:>15}{ratios[3]:>14}"
        )
    return "\n".join(lines)


@dataclass
class W7Figures:
    """The ten-times run: sizes at both counts (Neo4j stopped), and the top-up's cost."""

    before: int  # predictions
    after: int
    size_before: scale.StoreSize
    size_after: scale.StoreSize
    top_up: scale.TopUp

    @property
    def bytes_per_prediction(self) -> float:
        """What each added prediction took in the store files (logs apart)."""
        return (self.size_after.store - self.size_before.store) / (self.after - self.before)

    def lines(self) -> list[str]:
        t, mib = self.top_up, 1024 * 1024
        return [
            f"W7: {t.rows:,} predictions added ({self.before:,} -> {self.after:,}): generated "
            f"in {t.generate_s:.0f}s, loaded in {t.load_s:.0f}s ({t.rows_per_second:,.0f} "
            "rows/s, store/bulk.load_rows)",
            f"W7: store files {self.size_before.store / mib:,.0f} MiB at {self.before:,}, "
            f"{self.size_after.store / mib:,.0f} MiB at {self.after:,} (transaction logs "
            f"{self.size_before.logs / mib:,.0f} and {self.size_after.logs / mib:,.0f} MiB): "
            f"{self.bytes_per_prediction:,.0f} bytes per added prediction",
        ]


@dataclass
class Target:
    """One target of issue 16 as this run measured it; met None: not measured here."""

    name: str
    figure: str
    met: bool | None


def _find(results: list[Result], workload: str, way: str, clients: int = 1) -> Result | None:
    return next(
        (r for r in results if r.workload == workload and r.way == way and r.clients == clients),
        None,
    )


def targets(
    results: list[Result], *, w7: W7Figures | None, imported: ImportFigures | None
) -> list[Target]:
    """Every performance target with this run's figure and whether it is met."""
    found: list[Target] = []
    api, floor = _find(results, "W1 trace", API), _find(results, "W1 trace", FLOOR)
    if api and floor:
        ratio = api.p50_ms / floor.p50_ms
        found.append(
            Target(
                "W1 trace p50 <= 1.5 x floor",
                f"{api.p50_ms:.1f} vs {floor.p50_ms:.1f} ms: {ratio:.2f} x",
                ratio <= 1.5,
            )
        )
    wide = f"W6 wide {WIDTH // 1000}k"
    api, ngql = _find(results, wide, API), _find(results, wide, NEO4J_GRAPHQL)
    if api and ngql:
        found.append(
            Target(
                "W6 p50 <= @neo4j/graphql's",
                f"{api.p50_ms:.0f} vs {ngql.p50_ms:.0f} ms: {api.p50_ms / ngql.p50_ms:.2f} x",
                api.p50_ms <= ngql.p50_ms,
            )
        )
    api = _find(results, "W4 mixed", API, 32)
    floor, ngql = (
        _find(results, "W4 mixed", FLOOR, 32),
        _find(results, "W4 mixed", NEO4J_GRAPHQL, 32),
    )
    if api:
        parts, met = [f"{api.throughput:.0f} req/s"], True
        if ngql:
            parts.append(f"{api.throughput / ngql.throughput:.2f} x @neo4j/graphql (>= 2)")
            met &= api.throughput >= 2 * ngql.throughput
        if floor:
            parts.append(f"{api.throughput / floor.throughput:.2f} x floor (>= 0.5)")
            met &= api.throughput >= 0.5 * floor.throughput
        parts.append(f"p99/p50 {api.p99_ms / api.p50_ms:.1f} (<= 10)")
        met &= api.p99_ms <= 10 * api.p50_ms
        found.append(Target("W4 32 clients", ", ".join(parts), met))
    api, floor = _find(results, "W5 bulk load", API), _find(results, "W5 bulk load", FLOOR)
    if api:
        floor_text = f" (floor {floor.throughput:,.0f})" if floor else ""
        found.append(
            Target(
                "W5 >= 50,000 predictions/s (API)",
                f"{api.throughput:,.0f} rows/s{floor_text}",
                api.throughput >= 50_000,
            )
        )
    for workload in ("W1 trace", "W2 impact", "W3 upstream d10"):
        small = _find(results, f"W7 {workload} small", API)
        large = _find(results, f"W7 {workload} large", API)
        if small and large and w7:
            ratio = large.p50_ms / small.p50_ms
            found.append(
                Target(
                    f"W7 {workload.split()[0]} p50 at {w7.after:,} <= 1.25 x at {w7.before:,}",
                    f"{large.p50_ms:.1f} vs {small.p50_ms:.1f} ms: {ratio:.2f} x",
                    ratio <= 1.25,
                )
            )
    if w7:
        found.append(
            Target(
                "W7 bytes per prediction (store files)", f"{w7.bytes_per_prediction:,.0f} B", None
            )
        )
    if imported:
        found.append(
            Target(
                "lineage import rows/s vs online loader",
                f"{imported.import_rows_per_second:,.0f} vs "
                f"{imported.online_rows_per_second:,.0f} rows/s: "
                f"{imported.ratio:.2f} x",
                None,
            )
        )
    return found


def targets_table(found: list[Target]) -> str:
    """The targets as text: name, figure, met (yes, no, or - where none is set)."""
    width = max((len(t.name) for t in found), default=10) + 2
    lines = [f"{'target':<{width}}{'met':<5}figure"]
    for t in found:
        met = "-" if t.met is None else "yes" if t.met else "no"
        lines.append(f"{t.name:<{width}}{met:<5}{t.figure}")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--predictions", type=int, default=1_000_000)
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="lineage copies (default: about 100k lineage nodes, 425)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per way")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per way")
    parser.add_argument(
        "--wide-requests",
        type=int,
        default=20,
        help="measured requests per way for W6 (each answer holds 10k nodes)",
    )
    parser.add_argument("--clients", default="1,8,32", help="W4 concurrent clients")
    parser.add_argument("--bulk-rows", type=int, default=500, help="W5 rows per request")
    parser.add_argument(
        "--ngql-bulk-rows", type=int, default=100, help="W5 rows per @neo4j/graphql create mutation"
    )
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5,W6,M1,M2,W7,IMPORT")
    parser.add_argument(
        "--w7-predictions",
        type=int,
        default=0,
        help="W7: predictions after the top-up (default ten times --predictions)",
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=0,
        help="IMPORT: predictions imported and loaded (default --predictions)",
    )
    parser.add_argument("--workers", type=int, default=1, help="API uvicorn worker processes")
    parser.add_argument(
        "--no-neo4j-graphql", action="store_true", help="skip way (c), the Neo4j GraphQL Library"
    )
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the py-spy profiles of the API (taken after the measurements)",
    )
    parser.add_argument("--neo4j-uri", help="use this database as loaded (skips generation)")
    parser.add_argument("--heap", default="4g", help="local Neo4j heap")
    parser.add_argument("--pagecache-mb", type=int, default=4096)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "bench.json")
    return parser


def main() -> int:
    """Run the whole harness; every process it starts is stopped before it returns."""
    args = _parser().parse_args()
    args.scale = args.scale or round(100_000 / LINEAGE_NODES_PER_SCALE)
    began = time.perf_counter()
    ngql_wanted = not args.no_neo4j_graphql and servers.npm_ready()
    notes: list[str] = []
    if not args.no_neo4j_graphql and not ngql_wanted:
        notes.append("@neo4j/graphql skipped: node and npm are not installed")
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="lineage-bench-") as tmp:
        work = Path(tmp)
        summary = "(existing database)"
        if args.neo4j_uri:
            neo4j_uri = args.neo4j_uri
        else:
            apoc = ngql_wanted
            if apoc:
                try:
                    localneo4j.build_classpath(localneo4j.find_launcher_dir(), profile="apoc")
                except localneo4j.LocalNeo4jError as e:
                    notes.append(f"@neo4j/graphql skipped: APOC could not be had ({e})")
                    apoc = ngql_wanted = False
            _log("starting Neo4j" + (" with APOC" if apoc else ""))
            start_options = {"heap": args.heap, "pagecache_mb": args.pagecache_mb,
                             "profile": "apoc" if apoc else None}  # fmt: skip
            neo4j = [localneo4j.start(data_dir=work / "neo4j", port=localneo4j.free_port(),
                                      **start_options)]  # fmt: skip
            stack.callback(lambda: localneo4j.stop(neo4j[0]))  # W7 restarts it
            neo4j_uri = neo4j[0].uri
            summary = asyncio.run(
                load(neo4j_uri, seed=args.seed, scale=args.scale, predictions=args.predictions)
            )
        token = servers.bootstrap_token(neo4j_uri=neo4j_uri)
        notes.append(
            "API auth: Bearer token from `lineage admin bootstrap`"
            if token
            else "API auth: none (this version of the API has no authentication)"
        )
        _log("starting the catalog API")
        api = servers.start_api(
            neo4j_uri=neo4j_uri,
            port=localneo4j.free_port(),
            log=work / "api.log",
            max_page_size=WIDTH,
            # The harness measures capacity: no per-principal rate (32 clients share one token).
            limits={"rate_limit_per_s": "0"},
            workers=args.workers,
        )
        stack.callback(api.stop)
        notes.append("API limits: defaults, but the per-principal rate limit is off")
        notes.append(f"API: {args.workers} uvicorn worker process(es)")
        if args.workers > 1 and args.profile:
            args.profile = False  # py-spy would sample the supervisor, not the workers
            notes.append("no API profile: it needs --workers 1")
        ngql_url = None
        if ngql_wanted:
            _log("starting @neo4j/graphql")
            try:
                ngql_server = servers.start_neo4j_graphql(
                    neo4j_uri=neo4j_uri, port=localneo4j.free_port(), log=work / "ngql.log"
                )
                stack.callback(ngql_server.stop)
                ngql_url = ngql_server.url
            except servers.ServerError as e:
                notes.append(f"@neo4j/graphql skipped: {e}")
        results, checks, profiles = asyncio.run(
            run_workloads(
                args,
                neo4j_uri=neo4j_uri,
                api_url=api.url,
                ngql_url=ngql_url,
                token=token,
                api_pid=api.process.pid,
            )
        )
        notes += checks
        chosen = set(args.workloads.split(","))
        w7: W7Figures | None = None
        if "W7" in chosen and args.neo4j_uri:
            notes.append("W7 skipped: it restarts Neo4j, which --neo4j-uri does not start")
        elif "W7" in chosen:
            ran = _stage("W7", notes, lambda: run_w7(
                args, neo4j, start_options, api_url=api.url, token=token,
                api_pid=api.process.pid,
            ))  # fmt: skip
            if ran is not None:
                w7, more, more_notes = ran
                results += more
                notes += more_notes + w7.lines()
        imported: ImportFigures | None = None
        if "IMPORT" in chosen and args.neo4j_uri:
            notes.append("IMPORT skipped: it replaces the catalog of --neo4j-uri's database")
        elif "IMPORT" in chosen:
            rows = args.import_rows or args.predictions
            _log(f"IMPORT: lineage import against lineage load, {rows:,} predictions ...")
            # Last: bench_import replaces the catalog with its own deployment.
            imported = _stage("IMPORT", notes, lambda: asyncio.run(
                measure_import(Settings(neo4j_uri=neo4j_uri), rows=rows, workdir=work)
            ))  # fmt: skip
            if imported is not None:
                notes.append(
                    f"IMPORT: {rows:,} predictions, import {imported.import_seconds:.0f}s end to "
                    f"end ({', '.join(f'{k} {v:.0f}s' for k, v in imported.phases.items())}), "
                    f"online load {imported.online_seconds:.0f}s"
                )
    found = targets(results, w7=w7, imported=imported)
    wall = time.perf_counter() - began
    text = table(results)
    print()
    print(text)
    print()
    for note in notes:
        print(f"- {note}")
    print(f"catalog: {summary}; scale {args.scale}; wall clock {wall / 60:.1f} min")
    goals = targets_table(found)
    print(f"\nTargets (issue 16), measured in this run:\n{goals}")
    for title, text_profile in profiles.items():
        print(f"\nAPI profile during {title} (py-spy):\n{text_profile}")
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "catalog": summary,
        "args": {k: str(v) for k, v in vars(args).items()},
        "wall_clock_s": round(wall, 1),
        "results": [r.as_dict() for r in results],
        "notes": notes,
        "table": text,
        "targets": [vars(t) for t in found],
        "targets_table": goals,
        "w7": None
        if w7 is None
        else {
            "before": w7.before,
            "after": w7.after,
            "store_bytes": [w7.size_before.store, w7.size_after.store],
            "log_bytes": [w7.size_before.logs, w7.size_after.logs],
            "bytes_per_prediction": w7.bytes_per_prediction,
            "generate_s": w7.top_up.generate_s,
            "load_s": w7.top_up.load_s,
        },
        "profiles": profiles,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


def _stop_on_sigterm() -> None:
    # A killed harness still stops what it started (ExitStack callbacks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


if __name__ == "__main__":
    _stop_on_sigterm()
    sys.exit(main())
