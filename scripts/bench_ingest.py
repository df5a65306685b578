"""Throughput of bulk prediction loads: the `lineage load` loader against a bare-driver UNWIND
of the same rows, measured in one run on one Neo4j.

    .venv/bin/python scripts/bench_ingest.py [--rows 1000000] [--batch-size 10000]

Starts its own local Neo4j (or uses LINEAGE_NEO4J_URI) and prints rows/s for both and
their ratio. The floor runs the loader's own statement
for new keys (bulk/create_predictions.cypher) and the day counts in one statement
(bench_queries.FLOOR_INGEST), with rows prepared before the clock starts,
so the ratio is the cost of reading Parquet, validating rows and checking references.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from bench_queries import FLOOR_INGEST, floor_rows

from lineage_catalog import localneo4j
from lineage_catalog.domain.auth import Actor, Interface
from lineage_catalog.domain.model import Kind, NodeRecord, Rel, uid
from lineage_catalog.ingest.arrow import LoadKind
from lineage_catalog.services.bulk_load import LoadReport, load
from lineage_catalog.settings import Settings
from lineage_catalog.store.bulk import EdgeRow, load_rows
from lineage_catalog.store.graph import Graph, open_driver
from lineage_catalog.store.migrations import migrate
from lineage_catalog.store.nodes import now
from lineage_catalog.store.predictions import prediction_groups

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# The loader audits every batch: this script stands for the operator of the host.
ACTOR = Actor("ServiceAccount:bench-ingest", True, Interface.CLI, "bench-ingest")


def write_parquet(path: Path, rows: int) -> None:
    """N prediction rows over two deployments' model versions."""
    keys = [f"bench-{i:09d}" for i in range(rows)]
    table = pa.table(
        {
            "key": keys,
            "deployment": ["prod/bench"] * rows,
            "model_version": [f"bench@{1 + i % 2}" for i in range(rows)],
            "time": pa.array(
                [T0 + timedelta(milliseconds=i) for i in range(rows)],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "output": [f'{{"score": {i % 1000 / 1000}}}' for i in range(rows)],
        }
    )
    pq.write_table(table, path, row_group_size=100_000)


def _progress(report: LoadReport) -> None:
    print(f"\r  loader: {report.rows:,} rows, {report.rows_per_second:,.0f} rows/s", end="",
          flush=True)  # fmt: skip


async def setup(graph: Graph) -> None:
    await graph.run_batched("admin/wipe_catalog")
    model, deployment = uid(Kind.MODEL, "bench"), uid(Kind.DEPLOYMENT, "prod/bench")
    nodes = [NodeRecord(Kind.MODEL, "bench", {}), NodeRecord(Kind.DEPLOYMENT, "prod/bench", {})]
    nodes += [NodeRecord(Kind.MODEL_VERSION, f"bench@{v}", {"model": "bench"}) for v in (1, 2)]
    edges = [EdgeRow(Rel.VERSION_OF, uid(Kind.MODEL_VERSION, f"bench@{v}"), model) for v in (1, 2)]
    edges += [EdgeRow(Rel.SERVED, deployment, uid(Kind.MODEL_VERSION, f"bench@{v}"),
                      {"role": "champion", "valid_from": T0, "imported": True})
               for v in (1, 2)]  # fmt: skip
    await load_rows(graph, nodes=nodes, edges=edges)


async def bare_driver(graph: Graph, path: Path, batch_size: int) -> float:
    """Rows/s of the same statement through the driver, rows prepared beforehand."""
    table = pq.read_table(path)
    micros = pc.cast(table["time"], pa.int64()).to_pylist()
    columns = [table[name].to_pylist() for name in ("key", "output", "deployment", "model_version")]
    rows = [
        [key, micro, output, deployment, version]
        for key, micro, output, deployment, version in zip(
            columns[0], micros, columns[1], columns[2], columns[3], strict=True
        )
    ]
    batches = [
        floor_rows(prediction_groups(rows[i : i + batch_size]))
        for i in range(0, len(rows), batch_size)
    ]
    started = time.perf_counter()
    for params in batches:
        await graph.driver.execute_query(
            FLOOR_INGEST, **params, now=now(), database_=graph.database
        )
    return len(rows) / (time.perf_counter() - started)


async def main(rows: int, batch_size: int, settings: Settings) -> None:
    driver = open_driver(settings)
    graph = Graph(driver, database=settings.neo4j_database)
    try:
        await migrate(driver, database=settings.neo4j_database)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "predictions.parquet"
            started = time.perf_counter()
            write_parquet(path, rows)
            print(f"wrote {rows:,} predictions to Parquet in {time.perf_counter() - started:.1f}s")

            # Warm up the server's query plans and JIT once, then measure from a clean graph.
            warm = Path(tmp) / "warm.parquet"
            write_parquet(warm, min(rows, 50_000))
            await setup(graph)
            await load(graph, source=warm, kind=LoadKind.PREDICTIONS, actor=ACTOR,
                       batch_size=batch_size)  # fmt: skip
            await setup(graph)  # the floor CREATEs: its keys must be new
            await bare_driver(graph, warm, batch_size)

            await setup(graph)
            report = await load(graph, source=path, kind=LoadKind.PREDICTIONS, actor=ACTOR,
                                batch_size=batch_size, progress=_progress)  # fmt: skip
            print()
            assert report.loaded == rows and not report.rejects, report
            loader = report.rows_per_second

            await setup(graph)
            floor = await bare_driver(graph, path, batch_size)
        print(f"{'way':<28}{'rows':>12}{'rows/s':>12}")
        print(f"{'lineage load (CLI loader)':<28}{rows:>12,}{loader:>12,.0f}")
        print(f"{'bare driver UNWIND':<28}{rows:>12,}{floor:>12,.0f}")
        print(f"ratio loader / bare driver: {loader / floor:.2f}")
    finally:
        await driver.close()


Main = Callable[[int, int, Settings], Awaitable[None]]


def run_cli(main: Main, description: str | None) -> None:
    """`--rows` and `--batch-size` from the command line, then main against LINEAGE_NEO4J_URI
    or, without it, a local Neo4j of its own in a temporary folder, stopped afterwards
    (also when the benchmark is killed: finally blocks run on SystemExit)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    args = parser.parse_args()
    given = os.environ.get("LINEAGE_NEO4J_URI")
    if given:
        asyncio.run(main(args.rows, args.batch_size, Settings(neo4j_uri=given)))
        return
    with tempfile.TemporaryDirectory() as data:
        running = localneo4j.start(data_dir=Path(data), port=localneo4j.free_port(),
                                   heap="4g", pagecache_mb=2048)  # fmt: skip
        try:
            asyncio.run(main(args.rows, args.batch_size, Settings(neo4j_uri=running.uri)))
        finally:
            localneo4j.stop(running)


if __name__ == "__main__":
    run_cli(main, __doc__)
