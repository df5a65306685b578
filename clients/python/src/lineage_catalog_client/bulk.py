"""Bulk loads over HTTP (POST /api/v1/load/{kind}): a pyarrow Table, or a Parquet or Arrow
IPC file, sent in batches as Arrow IPC streams, with a progress callback.

pyarrow is optional (`pip install lineage-catalog-client[bulk]`); without it a file is sent
whole, as it is, in one request."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lineage_catalog_client._base import Connection
from lineage_catalog_client.types import LoadKind

ARROW_STREAM = "application/vnd.apache.arrow.stream"
DEFAULT_BATCH_ROWS = 50_000


@dataclass(frozen=True)
class Reject:
    """A row that did not land: its 1-based number in the whole source, the column at fault."""

    row: int
    field: str | None
    code: str
    reason: str


@dataclass(frozen=True)
class LoadProgress:
    """Where a load is, after each batch the catalog answered."""

    kind: str
    rows_sent: int
    rows_total: int | None
    loaded: int
    rejected: int


@dataclass(frozen=True)
class LoadResult:
    """What a load did. `rejects` holds at most the first 1000 rejects of each batch;
    `rejected` counts them all."""

    kind: str
    rows: int
    loaded: int
    rejected: int
    rejects: tuple[Reject, ...]
    batches: int


Progress = Callable[[LoadProgress], None]


class BulkLoads(Connection):
    """load()."""

    def load(
        self,
        kind: LoadKind,
        source: Any,
        *,
        reason: str | None = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        progress: Progress | None = None,
    ) -> LoadResult:
        """Load rows of `kind` (docs/bulk-load.md lists the columns) from a pyarrow Table,
        RecordBatch or RecordBatchReader, or from a file path (Parquet, Arrow IPC file or
        stream). Each batch of `batch_rows` rows is one request: its valid rows land
        together, bad rows come back as rejects. Re-running a load changes nothing."""
        if batch_rows < 1:
            raise ValueError("batch_rows must be at least 1")
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            if not _has_pyarrow():
                return self._load_whole_file(kind, path, reason=reason, progress=progress)
            batches, total = _file_batches(path, batch_rows)
        else:
            batches, total = _arrow_batches(source)
        totals = LoadResult(str(kind), 0, 0, 0, (), 0)
        for table in _chunks(batches, batch_rows):
            answer = self._post_batch(kind, _ipc_stream(table), reason=reason)
            totals = _add(totals, answer, offset=totals.rows)
            if progress is not None:
                progress(_progress(totals, total))
        return totals

    def _post_batch(self, kind: str, body: bytes, *, reason: str | None) -> Mapping[str, Any]:
        params = {"reason": reason} if reason is not None else None
        return self._post_rest(
            f"/api/v1/load/{kind}", content=lambda: body, params=params, content_type=ARROW_STREAM
        )

    def _load_whole_file(
        self, kind: str, path: Path, *, reason: str | None, progress: Progress | None
    ) -> LoadResult:
        # Without pyarrow the client cannot split the file; the catalog reads it as it is.
        params = {"reason": reason} if reason is not None else None
        answer = self._post_rest(f"/api/v1/load/{kind}", content=path.read_bytes, params=params)
        totals = _add(LoadResult(str(kind), 0, 0, 0, (), 0), answer, offset=0)
        if progress is not None:
            progress(_progress(totals, totals.rows))
        return totals


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _arrow_batches(source: Any) -> tuple[Iterable[Any], int | None]:
    """The record batches of a Table, RecordBatch or RecordBatchReader, and their row count."""
    import pyarrow as pa

    if isinstance(source, pa.Table):
        return _with_schema(source.schema, source.to_batches()), source.num_rows
    if isinstance(source, pa.RecordBatch):
        return _with_schema(source.schema, [source]), source.num_rows
    if isinstance(source, pa.RecordBatchReader):
        return _with_schema(source.schema, source), None
    raise TypeError(f"cannot load from {type(source).__name__}: give a pyarrow Table or a path")


def _file_batches(path: Path, batch_rows: int) -> tuple[Iterable[Any], int | None]:
    """A file's record batches (Parquet, Arrow IPC file or stream, told by its first bytes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with path.open("rb") as f:
        magic = f.read(6)
    if magic[:4] == b"PAR1":
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
        return _with_schema(schema, parquet.iter_batches(batch_size=batch_rows)), (
            parquet.metadata.num_rows
        )
    if magic == b"ARROW1":
        reader = pa.ipc.open_file(path)
        batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
        return _with_schema(reader.schema, batches), sum(b.num_rows for b in batches)
    stream = pa.ipc.open_stream(pa.OSFile(str(path)))
    return _with_schema(stream.schema, stream), None


def _with_schema(schema: Any, batches: Iterable[Any]) -> Iterator[Any]:
    """The batches, led by the schema (so that an empty source is still sent once)."""
    yield schema
    yield from batches


def _chunks(batches: Iterable[Any], rows: int) -> Iterator[Any]:
    """Tables of at most `rows` rows from a schema followed by record batches of any size;
    one empty table for a source without rows, so that the catalog still checks the kind."""
    import pyarrow as pa

    it = iter(batches)
    schema = next(it)
    pending: list[Any] = []
    count, sent = 0, False
    for batch in it:
        pending.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(pending, schema=schema)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            pending, count, sent = rest.to_batches(), rest.num_rows, True
    if count or not sent:
        yield pa.Table.from_batches(pending, schema=schema)


def _ipc_stream(table: Any) -> bytes:
    import pyarrow as pa

    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _add(totals: LoadResult, answer: Mapping[str, Any], *, offset: int) -> LoadResult:
    """The totals with one batch's answer added; its rejects' rows counted from the start."""
    rejects = tuple(
        Reject(offset + int(r["row"]), r.get("field"), str(r["code"]), str(r["reason"]))
        for r in answer.get("rejects", [])
    )
    return replace(
        totals,
        rows=totals.rows + int(answer["rows"]),
        loaded=totals.loaded + int(answer["loaded"]),
        rejected=totals.rejected + int(answer["rejected"]),
        rejects=totals.rejects + rejects,
        batches=totals.batches + 1,
    )


def _progress(totals: LoadResult, total: int | None) -> LoadProgress:
    return LoadProgress(totals.kind, totals.rows, total, totals.loaded, totals.rejected)
