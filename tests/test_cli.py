"""The `lineage` command's comfort: --version, --help with examples on every command, and the
progress of `lineage load` (the bar on stderr, the callback's counts), against the real Neo4j."""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from neo4j import Driver

from lineage_catalog import cli
from lineage_catalog.domain.auth import Actor, Interface
from lineage_catalog.ingest.arrow import LoadKind
from lineage_catalog.services.bulk_load import LoadProgress, load
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph, open_driver
from tests.test_questions import load as load_catalog
from tests.test_round_trips import layered_lineage

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ACTOR = Actor("ServiceAccount:test-cli", True, Interface.CLI, "test-cli")


def _lineage(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `lineage` script, as a user runs it (stderr is a pipe, not a terminal)."""
    script = Path(sys.executable).with_name("lineage")
    env = {**os.environ, "LINEAGE_NEO4J_URI": settings.neo4j_uri, "COLUMNS": "120"}
    return subprocess.run(
        [str(script), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _predictions(good: int, bad: int) -> pa.Table:
    """`good` predictions of m@1 at prod/m, with `bad` rows of an unknown deployment spread
    among them."""
    rows = [
        {"key": f"p-{i:05d}", "deployment": "prod/m", "model_version": "m@1",
         "time": T0 + timedelta(seconds=i), "output": json.dumps({"score": i})}
        for i in range(good)
    ]  # fmt: skip
    for n in range(bad):
        rows.insert(n * (good // max(bad, 1)), {
            "key": f"bad-{n}", "deployment": "prod/nope", "model_version": "m@1",
            "time": T0, "output": None,
        })  # fmt: skip
    return pa.Table.from_pylist(rows)


def _stored_predictions(driver: Driver) -> int:
    """Predictions of the file (keys p-…) stored with their model version."""
    records, _, _ = driver.execute_query(
        "MATCH (p:Prediction {model_version: $mv}) "
        "WHERE p.key STARTS WITH $prefix RETURN count(p) AS n",
        mv="m@1", prefix="p-",
    )  # fmt: skip
    return int(records[0]["n"])


def test_version(settings: Settings) -> None:
    done = _lineage(settings, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"lineage {importlib.metadata.version('lineage-catalog')}\n"


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the parser: (), ("db",), ("db", "migrate"), …"""
    found = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*path, name))
    return found


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    paths = _commands(cli._parser())
    # The walk sees the whole tree (a broken walk must not pass by finding nothing).
    assert {("load",), ("db", "migrate"), ("admin", "bootstrap"), ("audit", "verify")} <= set(paths)
    assert len(paths) >= 15
    for path in paths:
        with pytest.raises(SystemExit) as exited:
            cli.main([*path, "--help"])
        assert exited.value.code == 0, path
        out = capsys.readouterr().out
        assert "Example" in out, (path, out)
        example = out.split("Example", 1)[1]
        assert f"lineage {' '.join(path)}".rstrip() in example, (path, out)


def test_load_with_progress_forced(clean_graph: Driver, settings: Settings, tmp_path: Path) -> None:
    load_catalog(settings, layered_lineage(width=1, levels=1))  # prod/m serving m@1
    path = tmp_path / "predictions.parquet"
    pq.write_table(_predictions(good=1200, bad=3), path)

    done = _lineage(settings, "load", str(path), "--kind", "predictions", "--batch-size", "500",
                    "--progress")  # fmt: skip
    assert done.returncode == 1, done.stderr  # 1: some rows were rejected
    # The bar's final state: rows of the file's total, the rate, the rejects.
    assert "1,203/1,203 rows" in done.stderr, done.stderr
    assert "rows/s" in done.stderr
    assert "3 rejected" in done.stderr
    # The summary for scripts is unchanged, on stdout.
    assert done.stdout.startswith("loaded 1,200 of 1,203 rows in "), done.stdout
    assert done.stdout.rstrip().endswith(
        f"; 3 rejected, see {path.with_name(path.name + '.rejects.jsonl')}"
    )
    assert _stored_predictions(clean_graph) == 1200

    quiet = _lineage(settings, "load", str(path), "--kind", "predictions", "--no-progress")
    assert quiet.returncode == 1
    assert "rows/s" not in quiet.stderr and "rejected" not in quiet.stderr
    assert quiet.stdout.startswith("loaded 1,200 of 1,203 rows in ")
    assert _stored_predictions(clean_graph) == 1200  # loading again changes nothing


def _write(table: pa.Table, path: Path, form: str) -> None:
    if form == "parquet":
        pq.write_table(table, path)
        return
    with path.open("wb") as sink:
        writer = ipc.new_file if form == "arrow_file" else ipc.new_stream
        with writer(sink, table.schema) as out:
            for batch in table.to_batches(max_chunksize=500):  # split in two by the load
                out.write_batch(batch)


@pytest.mark.parametrize("form", ["parquet", "arrow_file", "arrow_stream"])
def test_progress_callback_counts_grow_to_the_files_rows(
    clean_graph: Driver, settings: Settings, tmp_path: Path, form: str
) -> None:
    load_catalog(settings, layered_lineage(width=1, levels=1))
    table = _predictions(good=1000, bad=4)
    path = tmp_path / f"predictions.{form}"
    _write(table, path, form)
    seen: list[LoadProgress] = []

    async def run() -> None:
        driver = open_driver(settings)
        try:
            graph = Graph(driver, database=settings.neo4j_database)
            await load(graph, source=path, kind=LoadKind.PREDICTIONS, actor=ACTOR,
                       batch_size=250, progress=seen.append)  # fmt: skip
        finally:
            await driver.close()

    asyncio.run(run())
    # One call before the first batch (the total at once), then one per batch of 250 rows.
    assert seen[0] == LoadProgress(0, 0, 0, 0.0, seen[0].total)
    assert len(seen) == 1 + 5
    rows = [p.rows for p in seen]
    assert rows == sorted(set(rows)), rows  # strictly growing
    rejected = [p.rejected for p in seen]
    assert rejected == sorted(rejected), rejected
    assert all(p.loaded + p.rejected == p.rows for p in seen)
    assert [p.seconds for p in seen] == sorted(p.seconds for p in seen)
    assert (seen[-1].rows, seen[-1].loaded, seen[-1].rejected) == (1004, 1000, 4)
    # The total comes from the file's footer; a stream has none until its end.
    expected_total = None if form == "arrow_stream" else 1004
    assert {p.total for p in seen} == {expected_total}
    assert _stored_predictions(clean_graph) == 1000
