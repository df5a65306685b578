"""Arrow / Parquet files of entities, edges and prediction logs: read in record batches and
validate row by row. Pure: no Neo4j here (services/bulk_load.py writes)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from lineage_catalog.domain import monitoring
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import (
    KEY_PATTERN,
    Kind,
    NodeRecord,
    OwnerRole,
    Rel,
    RunKind,
    RunStatus,
    ServingRole,
    check_key,
    split_uid,
    uid,
)
from lineage_catalog.domain.rules import (
    STRUCTURAL_LINKS,
    check_interval,
    check_link,
    storable_props,
    traffic_share,
    utc,
)
from lineage_catalog.services import commands
from lineage_catalog.services.registry import RegisterCommand
from lineage_catalog.store.bulk import EdgeRow


class LoadKind(StrEnum):
    """What a file holds; docs/bulk-load.md lists the columns of each kind."""

    PREDICTIONS = "predictions"
    DATASET_VERSIONS = "dataset_versions"
    FEATURES = "features"
    RUNS = "runs"
    EDGES = "edges"
    OBSERVATIONS = "observations"


class RowError(ValueError):
    """A row that cannot be loaded; the message, `<column>: <why>`, is the reason written to
    the reject file, and the column is the reject's field."""

    @property
    def field(self) -> str:
        return str(self).partition(": ")[0]


@dataclass
class ParsedRow:
    """One valid row: what it writes, and the uids that must already exist."""

    nodes: list[NodeRecord] = field(default_factory=list)
    edges: list[EdgeRow] = field(default_factory=list)
    # [key, time in epoch microseconds, output, deployment key, model version key]
    prediction: list[Any] | None = None
    refs: dict[str, str] = field(default_factory=dict)  # uid -> the column that names it
    # A monitor's value: written by services/monitoring.py, as recordObservation writes it.
    observation: monitoring.ObservationCommand | None = None


def read_batches(source: Path | IO[bytes], *, batch_size: int) -> Iterator[pa.RecordBatch]:
    """Record batches of a Parquet file, an Arrow IPC file or an Arrow IPC stream."""
    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        head = handle.read(6)
        handle.seek(0)
        if head[:4] == b"PAR1":
            yield from pq.ParquetFile(handle).iter_batches(batch_size=batch_size)
        elif head == b"ARROW1":
            reader = ipc.open_file(handle)
            for i in range(reader.num_record_batches):
                yield from _split(reader.get_batch(i), batch_size)
        else:
            for batch in ipc.open_stream(handle):
                yield from _split(batch, batch_size)
    except (pa.ArrowInvalid, OSError) as e:
        raise BadInputError(f"not a Parquet or Arrow IPC file: {e}", path=["file"]) from e
    finally:
        if isinstance(source, Path):
            handle.close()


def row_count(source: Path | IO[bytes]) -> int | None:
    """The rows of a Parquet or Arrow IPC file from its footer, without reading the data; None
    for an Arrow IPC stream (its length is known only at its end) or what is not readable."""
    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        if not handle.seekable():
            return None
        start = handle.tell()
        try:
            head = handle.read(6)
            handle.seek(start)
            if head[:4] == b"PAR1":
                return int(pq.ParquetFile(handle).metadata.num_rows)
            if head == b"ARROW1":
                return int(ipc.open_file(handle).count_rows())
            return None
        finally:
            handle.seek(start)
    except (pa.ArrowInvalid, OSError):
        return None  # read_batches says what is wrong with it
    finally:
        if isinstance(source, Path):
            handle.close()


def _split(batch: pa.RecordBatch, size: int) -> Iterator[pa.RecordBatch]:
    for offset in range(0, batch.num_rows, size):
        yield batch.slice(offset, size)


def _text(row: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise RowError(f"{name}: missing")
        return None
    if not isinstance(value, str):
        raise RowError(f"{name}: expected a string, got {type(value).__name__}")
    return value


def _key(row: dict[str, Any], name: str) -> str:
    try:
        return check_key(_text(row, name) or "", path=[name])
    except BadInputError as e:
        raise RowError(f"{name}: {e}") from e


def _time(row: dict[str, Any], name: str, *, required: bool = False) -> datetime | None:
    value = row.get(name)
    if value is None:
        if required:
            raise RowError(f"{name}: missing")
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as e:
            raise RowError(f"{name}: not an ISO-8601 time: {value!r}") from e
    if not isinstance(value, datetime):
        raise RowError(f"{name}: expected a timestamp, got {type(value).__name__}")
    # Naive timestamps are taken as UTC, the convention of most prediction logs.
    checked: datetime = _checked(utc, value, name)
    return checked


def _row_error(e: BadInputError) -> RowError:
    """A shared rule's refusal as the row's reason, naming the column it gave."""
    return RowError(f"{e.extensions.get('field', 'row')}: {e}")


def _checked(rule: Callable[..., Any], value: Any, name: str) -> Any:
    """A shared rule of domain/rules.py applied to a column."""
    try:
        return rule(value, path=[name] if name else [])
    except BadInputError as e:
        raise _row_error(e) from e


def _json(row: dict[str, Any], name: str) -> Any:
    value = row.get(name)
    if value is None:
        return None
    # Parsed only: the command checks it is an object, by the rule GraphQL's input obeys.
    return _loads(value, name) if isinstance(value, str) else value


def _loads(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise RowError(f"{name}: not JSON: {e.msg}") from e
    except RecursionError as e:
        raise RowError(f"{name}: JSON nested too deeply") from e


def _int(row: dict[str, Any], name: str) -> int | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RowError(f"{name}: expected a non-negative integer, got {value!r}")
    return value


def _prediction(row: dict[str, Any]) -> ParsedRow:
    key = _key(row, "key")
    # References are checked against the graph, so any text will do here.
    deployment = _text(row, "deployment") or ""
    model_version = _text(row, "model_version") or ""
    output = row.get("output")
    if output is not None and not isinstance(output, str):
        output = json.dumps(output, sort_keys=True, default=str)
    when = _time(row, "time", required=True)
    assert when is not None
    micros = (when - _EPOCH) // timedelta(microseconds=1)
    return ParsedRow(
        prediction=[key, micros, output, deployment, model_version],
        refs={
            uid(Kind.DEPLOYMENT, deployment): "deployment",
            uid(Kind.MODEL_VERSION, model_version): "model_version",
        },
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PREDICTION_TYPES = {
    "key": pa.string(), "deployment": pa.string(), "model_version": pa.string(),
    "output": pa.string(),
}  # fmt: skip


def predictions_fast(
    batch: pa.RecordBatch, first_row: int
) -> tuple[dict[int, ParsedRow], list[tuple[int, str]]] | None:
    """Predictions validated column by column (a million rows a second), or None when the
    batch's types are unusual and the row-by-row parser must handle it.

    Times travel to Neo4j as integer microseconds since the epoch: the driver packs
    Python datetimes about ten times slower than integers.
    """
    schema = batch.schema
    names = set(schema.names)
    if not {"key", "deployment", "model_version", "time"} <= names:
        return None
    if any(n in names and schema.field(n).type != t for n, t in _PREDICTION_TYPES.items()):
        return None
    if not pa.types.is_timestamp(schema.field("time").type):
        return None
    key, deployment, model_version = batch["key"], batch["deployment"], batch["model_version"]
    time_type = schema.field("time").type
    times = batch["time"]
    if time_type.tz is None:
        times = pc.assume_timezone(times, "UTC")
    micros = pc.cast(pc.cast(times, pa.timestamp("us", tz="UTC")), pa.int64()).to_pylist()
    output = batch["output"].to_pylist() if "output" in names else [None] * batch.num_rows
    valid_key = pc.fill_null(pc.match_substring_regex(key, KEY_PATTERN), False)
    problems = [
        (pc.is_null(key), "key: missing"),
        (pc.invert(valid_key), "key: not a valid key (letters, digits and . _ - : / + %)"),
        (pc.is_null(deployment), "deployment: missing"),
        (pc.is_null(model_version), "model_version: missing"),
        (pc.is_null(batch["time"]), "time: missing"),
    ]
    reasons: dict[int, str] = {}
    for mask, reason in problems:
        for index in pc.indices_nonzero(mask).to_pylist():
            reasons.setdefault(index, reason)
    keys, deployments = key.to_pylist(), deployment.to_pylist()
    versions = model_version.to_pylist()
    parsed = {
        first_row + i: ParsedRow(
            prediction=[keys[i], micros[i], output[i], deployments[i], versions[i]],
            refs={
                uid(Kind.DEPLOYMENT, deployments[i]): "deployment",
                uid(Kind.MODEL_VERSION, versions[i]): "model_version",
            },
        )
        for i in range(batch.num_rows)
        if i not in reasons
    }
    return parsed, [(first_row + i, reason) for i, reason in sorted(reasons.items())]


def _command_row(build: Callable[[], RegisterCommand]) -> ParsedRow:
    """A row as the write command GraphQL builds for the same kind (services/commands.py):
    its node, its links, and the column that names each link's far end."""
    try:
        command = build()
    except BadInputError as e:
        raise _row_error(e) from e
    me = uid(command.kind, command.key)
    parsed = ParsedRow(nodes=[NodeRecord(command.kind, command.key, dict(command.props))])
    for rel, source, target, field_name in commands.links_of(command):
        parsed.edges.append(EdgeRow(rel, source, target))
        parsed.refs[target if source == me else source] = field_name
    return parsed


def _dataset_version(row: dict[str, Any]) -> ParsedRow:
    schema = row.get("schema")
    if isinstance(schema, str):
        schema = _loads(schema, "schema")
    return _command_row(lambda: commands.dataset_version(
        dataset=_text(row, "dataset") or "", version=_text(row, "version") or "",
        content_hash=_text(row, "content_hash", required=False),
        location=_text(row, "location", required=False), row_count=_int(row, "row_count"),
        schema=schema, created_at=_time(row, "created_at"), at=commands.column,
    ))  # fmt: skip


def _feature(row: dict[str, Any]) -> ParsedRow:
    tags = row.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise RowError("tags: expected a list of strings")
    return _command_row(lambda: commands.feature(
        key=_text(row, "key") or "", name=_text(row, "name", required=False),
        description=_text(row, "description", required=False),
        dtype=_text(row, "dtype", required=False), tags=tags, at=commands.column,
    ))  # fmt: skip


def _run(row: dict[str, Any]) -> ParsedRow:
    try:
        run_kind = RunKind(row.get("run_kind") or "other")
        status = RunStatus(row.get("status") or "completed")
    except ValueError as e:
        raise RowError(f"run_kind/status: {e}") from e
    return _command_row(lambda: commands.run(
        run_id=_text(row, "run_id") or "", job=_text(row, "job") or "", run_kind=run_kind,
        status=status, started_at=_time(row, "started_at"), ended_at=_time(row, "ended_at"),
        parameters=_json(row, "parameters"), environment=_json(row, "environment"),
        code_commit=_text(row, "code_commit", required=False), at=commands.column,
    ))  # fmt: skip


_INTERVAL_RELS = frozenset({Rel.SERVED, Rel.OWNS})


def _edge(row: dict[str, Any]) -> ParsedRow:
    try:
        rel = Rel(_text(row, "type") or "")
    except ValueError as e:
        raise RowError(f"type: unknown relationship {row.get('type')!r}") from e
    if rel in STRUCTURAL_LINKS:
        raise RowError(
            f"type: {rel.value} links are written with their node (dataset_versions, runs, "
            "predictions files), from its key and columns"
        )
    ends, kinds = [], []
    props: dict[str, Any] = {}
    for name in ("source", "target"):
        value = _text(row, name) or ""
        kinds.append(_checked(split_uid, value, name)[0])
        ends.append(value)
    try:
        check_link(rel, kinds[0], kinds[1], source_path=["source"], target_path=["target"])
        if rel in _INTERVAL_RELS:
            props = _interval(rel, row)
    except BadInputError as e:
        raise _row_error(e) from e
    refs = {ends[1]: "target", ends[0]: "source"}  # the source's column when both are one
    return ParsedRow(edges=[EdgeRow(rel, ends[0], ends[1], props)], refs=refs)


def _interval(rel: Rel, row: dict[str, Any]) -> dict[str, Any]:
    """What an OWNS or SERVED row says of its interval, by the rules the mutations use."""
    valid_from = _time(row, "valid_from", required=True)
    assert valid_from is not None
    valid_to = _time(row, "valid_to")
    check_interval(valid_from, valid_to, path=["valid_to"])
    roles: type[StrEnum] = ServingRole if rel is Rel.SERVED else OwnerRole
    role = _text(row, "role") or ""
    props: dict[str, Any] = {"valid_from": valid_from, "valid_to": valid_to}
    try:
        props["role"] = roles(role.lower()).value
    except ValueError as e:
        names = ", ".join(r.value for r in roles)
        raise RowError(f"role: {role!r} is not one of {names}") from e
    if rel is Rel.SERVED:
        share = row.get("traffic_share")
        props["traffic_share"] = (
            1.0 if share is None else traffic_share(share, path=["traffic_share"])
        )
    return props


def _observation(row: dict[str, Any]) -> ParsedRow:
    if row.get("value") is None:
        raise RowError("value: missing")
    observed_at = _time(row, "observed_at", required=True)
    assert observed_at is not None
    try:
        command = monitoring.observation(
            monitor=_text(row, "monitor") or "", value=row["value"], observed_at=observed_at,
            window_start=_time(row, "window_start"), window_end=_time(row, "window_end"),
            details=_json(row, "details"), at=commands.column,
        )  # fmt: skip
    except BadInputError as e:
        raise _row_error(e) from e
    return ParsedRow(observation=command)


PARSERS: dict[LoadKind, Callable[[dict[str, Any]], ParsedRow]] = {
    LoadKind.PREDICTIONS: _prediction,
    LoadKind.DATASET_VERSIONS: _dataset_version,
    LoadKind.FEATURES: _feature,
    LoadKind.RUNS: _run,
    LoadKind.EDGES: _edge,
    LoadKind.OBSERVATIONS: _observation,
}


def parse_row(kind: LoadKind, row: dict[str, Any]) -> ParsedRow:
    """One row of a file of `kind`, checked by the kind's parser and then, value by value,
    by the rules every write obeys (the column that breaks one is named)."""
    parsed = PARSERS[kind](row)
    for node in parsed.nodes:
        _checked(storable_props, node.props, "")
    for edge in parsed.edges:
        _checked(storable_props, edge.props, "")
    return parsed
