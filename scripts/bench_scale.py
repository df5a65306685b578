"""W7, ten times the data: the harness's catalog topped up with more predictions over the
same serving history, W1-W3 measured before and after, and the store's bytes per
prediction from Neo4j's own files (docs/performance.md, "Ten times the data (W7)").

Store sizes are read with Neo4j stopped cleanly (a shutdown checkpoints, so the store
files hold every committed change; Community has no `db.checkpoint()` to call while it
runs), and each measurement starts from a restarted server, so both sides of a ratio begin
with the same cold page cache and the same warm-up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from lineage_catalog import localneo4j
from lineage_catalog.demo import more_predictions
from lineage_catalog.settings import Settings
from lineage_catalog.store.bulk import NodeRow, load_rows
from lineage_catalog.store.graph import Graph, open_driver

CHUNK = 100_000  # rows generated, then loaded, at a time: 9M rows never sit in memory


@dataclass
class StoreSize:
    """Bytes on disk of one database: its store files (nodes, properties, indexes, ...) and
    its transaction logs, apart."""

    store: int
    logs: int


@dataclass
class TopUp:
    """What adding predictions cost: rows, seconds generating them, seconds loading them."""

    rows: int
    generate_s: float
    load_s: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.load_s if self.load_s else 0.0


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def store_size(data_dir: Path, database: str = "neo4j") -> StoreSize:
    """The size of `database` under a local Neo4j's data_dir (localneo4j.start's layout);
    read it with the server stopped."""
    data = data_dir / "store" / "data"
    return StoreSize(
        store=_bytes(data / "databases" / database), logs=_bytes(data / "transactions" / database)
    )


def restart(
    running: localneo4j.RunningNeo4j, **start: Any
) -> tuple[localneo4j.RunningNeo4j, StoreSize]:
    """Stop Neo4j cleanly, read its store's size, and start it again on the same port and
    data: the same URI for the API, whose driver reconnects by itself. `start`:
    localneo4j.start's other arguments (heap, pagecache_mb, profile), as first given."""
    localneo4j.stop(running)
    size = store_size(running.data_dir)
    return localneo4j.start(data_dir=running.data_dir, port=running.port, **start), size


def _chunks(rows: Iterator[NodeRow], size: int) -> Iterator[list[NodeRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


async def top_up(uri: str, *, seed: int, scale: int, first: int, count: int) -> TopUp:
    """Add `count` predictions, keys from pred-<first>, to the catalog of demo.generate(seed,
    scale) stored at uri, through the same bulk writer the catalog was loaded with."""
    settings = Settings(neo4j_uri=uri)
    driver = open_driver(settings)
    graph = Graph(driver, database=settings.neo4j_database)
    generate_s = load_s = 0.0
    try:
        rows = more_predictions(seed=seed, scale=scale, count=count, first=first)
        chunks = _chunks(rows, CHUNK)
        while True:
            started = time.perf_counter()
            chunk = next(chunks, None)
            generate_s += time.perf_counter() - started
            if chunk is None:
                break
            started = time.perf_counter()
            await load_rows(graph, nodes=chunk, edges=[])
            load_s += time.perf_counter() - started
        return TopUp(rows=count, generate_s=generate_s, load_s=load_s)
    finally:
        await driver.close()
