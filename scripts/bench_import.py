"""Throughput of `lineage import` (Neo4j's offline importer) against the online loader
(`lineage load`) on the same Parquet file of predictions, measured in one run.

    .venv/bin/python scripts/bench_import.py [--rows 1000000] [--batch-size 10000]

Starts its own local Neo4j for the catalog (or uses LINEAGE_NEO4J_URI, whose catalog it
replaces: never point it at one you keep) holding one deployment and two model versions
(bench_ingest.setup), writes N predictions to Parquet (bench_ingest.write_parquet), builds a
new database from them with the import, end to end (the base read, judging every row, the
importer, the new database's start, migrations, counts, audit), then loads the same file
online from the same catalog, and prints rows/s of both and their ratio. `measure_import`
is the function for a harness: it returns the figures without printing.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_ingest import ACTOR, run_cli, setup, write_parquet

from lineage_catalog.ingest.arrow import LoadKind
from lineage_catalog.services.bulk_import import ImportFile, import_files
from lineage_catalog.services.bulk_load import load
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph, open_driver
from lineage_catalog.store.migrations import migrate


@dataclass
class ImportFigures:
    """Rows/s of the offline import (end to end) and of the online loader, same file."""

    rows: int
    import_seconds: float
    online_seconds: float
    phases: dict[str, float] = field(default_factory=dict)  # the import's steps, seconds

    @property
    def import_rows_per_second(self) -> float:
        return self.rows / self.import_seconds

    @property
    def online_rows_per_second(self) -> float:
        return self.rows / self.online_seconds

    @property
    def ratio(self) -> float:
        """How many times the online loader's rate the import reaches."""
        return self.import_rows_per_second / self.online_rows_per_second


async def measure_import(
    settings: Settings, *, rows: int, workdir: Path, batch_size: int = 10_000
) -> ImportFigures:
    """Import N predictions into a new database under workdir, then load them online into
    the catalog of `settings` (which is replaced by bench_ingest.setup's), and time both."""
    driver = open_driver(settings)
    graph = Graph(driver, database=settings.neo4j_database)
    try:
        await migrate(driver, database=settings.neo4j_database)
        path = workdir / "predictions.parquet"
        write_parquet(path, rows)
        await setup(graph)
        into = workdir / "imported"
        started = time.perf_counter()
        report = await import_files(
            files=[ImportFile(LoadKind.PREDICTIONS, path)], into=into, actor=ACTOR,
            reason="bench_import", settings=settings, base_driver=driver, batch_size=batch_size,
        )  # fmt: skip
        import_seconds = time.perf_counter() - started
        assert report.imported and report.rows == rows, report
        shutil.rmtree(into)

        await setup(graph)
        started = time.perf_counter()
        loaded = await load(graph, source=path, kind=LoadKind.PREDICTIONS, actor=ACTOR,
                            batch_size=batch_size)  # fmt: skip
        online_seconds = time.perf_counter() - started
        assert loaded.loaded == rows and not loaded.rejects, loaded
        return ImportFigures(rows, import_seconds, online_seconds, dict(report.phases))
    finally:
        await driver.close()


def print_figures(figures: ImportFigures) -> None:
    """The table: both ways' rows and rows/s, the ratio, and the import's steps."""
    print(f"{'way':<40}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    print(f"{'lineage import (offline, end to end)':<40}{figures.rows:>12,}"
          f"{figures.import_seconds:>10.1f}{figures.import_rows_per_second:>12,.0f}")  # fmt: skip
    print(f"{'lineage load (online loader)':<40}{figures.rows:>12,}"
          f"{figures.online_seconds:>10.1f}{figures.online_rows_per_second:>12,.0f}")  # fmt: skip
    print(f"ratio import / online: {figures.ratio:.2f}")
    steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in figures.phases.items())
    print(f"import steps: {steps}")


async def _main(rows: int, batch_size: int, settings: Settings) -> None:
    with tempfile.TemporaryDirectory() as work:
        print_figures(
            await measure_import(settings, rows=rows, workdir=Path(work), batch_size=batch_size)
        )


if __name__ == "__main__":
    run_cli(_main, __doc__)
