"""The progress bar of `lineage load`: rows so far (of the file's total when its footer says),
rows per second and rejects so far, drawn with rich on stderr."""

from __future__ import annotations

from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from lineage_catalog.services.bulk_load import LoadProgress


class _RowsColumn(ProgressColumn):
    """`1,200/5,000 rows`, or `1,200 rows` when the total is unknown (an Arrow IPC stream)."""

    def render(self, task: Task) -> Text:
        done = int(task.completed)
        if task.total is None:
            return Text(f"{done:,} rows", style="progress.download")
        return Text(f"{done:,}/{int(task.total):,} rows", style="progress.download")


class _RejectsColumn(ProgressColumn):
    """Rejected rows so far, red once there is one."""

    def render(self, task: Task) -> Text:
        rejected = int(task.fields["rejected"])
        return Text(f"{rejected:,} rejected", style="red" if rejected else "dim")


class LoadBar:
    """A context manager showing a load's progress; `update` is the load's progress callback."""

    def __init__(self, *, kind: str, stream: TextIO) -> None:
        # Forced: the caller decided to show the bar (a terminal, or --progress).
        console = Console(file=stream, force_terminal=True, highlight=False)
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=24),
            _RowsColumn(),
            TextColumn("{task.fields[rate]:,.0f} rows/s"),
            _RejectsColumn(),
            TimeElapsedColumn(),
            console=console,
            # The load prints nothing while it runs; leave the process's streams alone.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task = self._bar.add_task(kind, total=None, rate=0.0, rejected=0)

    def __enter__(self) -> LoadBar:
        self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def update(self, progress: LoadProgress) -> None:
        """Show the counts after a batch."""
        self._bar.update(
            self._task,
            completed=progress.rows,
            total=progress.total,
            rate=progress.rows_per_second,
            rejected=progress.rejected,
        )
