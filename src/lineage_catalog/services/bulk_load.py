"""Bulk loads: a file's record batches validated and written, one transaction per batch.

Each batch either lands whole (its valid rows) or not at all; rows that fail validation or
refer to something that does not exist go to the reject list with the reason. Every write
is a MERGE by uid, so loading a file again, or re-running a load that was killed, changes
nothing that already landed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor, Role, allows
from lineage_catalog.domain.model import Rel
from lineage_catalog.domain.rules import GOVERNED_LINKS
from lineage_catalog.ingest.arrow import (
    LoadKind,
    ParsedRow,
    RowError,
    parse_row,
    predictions_fast,
    read_batches,
    row_count,
)
from lineage_catalog.services import audit, monitoring
from lineage_catalog.store import bulk, nodes, predictions
from lineage_catalog.store.graph import Graph, WriteTx


@dataclass(frozen=True, slots=True)
class Reject:
    """A row that did not land: its 1-based number, why, and the column and code of the
    error, the same code a GraphQL mutation gives for the same mistake."""

    row: int
    reason: str
    values: dict[str, Any]
    field: str | None = None
    code: str = "BAD_USER_INPUT"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a parsed row may not land."""

    reason: str
    field: str | None = None
    code: str = "BAD_USER_INPUT"


@dataclass
class LoadReport:
    kind: LoadKind
    rows: int = 0
    loaded: int = 0
    rejects: list[Reject] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass(frozen=True, slots=True)
class LoadProgress:
    """How far a load is: rows read, landed and rejected so far, of `total` rows when the
    file's footer tells (None for a stream)."""

    rows: int
    loaded: int
    rejected: int
    seconds: float
    total: int | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


Progress = Callable[[LoadProgress], None]


def parse_batch(
    kind: LoadKind, batch: pa.RecordBatch, first_row: int
) -> tuple[dict[int, ParsedRow], list[Reject]]:
    if kind is LoadKind.PREDICTIONS:
        fast = predictions_fast(batch, first_row)
        if fast is not None:
            ok, refused = fast
            rows = batch.to_pylist() if refused else []
            values = [rows[n - first_row] for n, _ in refused]
            return ok, [
                Reject(row=n, reason=r, values=v, field=r.partition(": ")[0])
                for (n, r), v in zip(refused, values, strict=True)
            ]
    parsed: dict[int, ParsedRow] = {}
    rejects = []
    for number, row in enumerate(batch.to_pylist(), start=first_row):
        try:
            parsed[number] = parse_row(kind, row)
        except RowError as e:
            rejects.append(Reject(row=number, reason=str(e), values=row, field=e.field))
    return parsed, rejects


async def _write(tx: WriteTx, parsed: dict[int, ParsedRow]) -> tuple[dict[int, Refusal], set[int]]:
    """Write the rows whose references exist and whose serving history fits what is
    stored; return the others with the reason, and the rows that were stored already."""
    # Rows of a batch share few references (a handful of deployments): check each once.
    wanted = {ref for row in parsed.values() for ref in row.refs}
    missing = set(await nodes.missing_uids(tx, uids=wanted)) if wanted else set()
    refused = reference_refusals(parsed, missing)
    conflicts, stored = await _serving_conflicts(
        tx, {n: r for n, r in parsed.items() if n not in refused}
    )
    refused |= conflicts
    # History already stored as given lands as it is: its import's reason and author stay.
    good = [row for n, row in parsed.items() if n not in refused and n not in stored]
    groups = predictions.prediction_groups(
        row.prediction for row in good if row.prediction is not None
    )
    if groups:
        await predictions.write_predictions(tx, groups)
    batch_nodes = [node for row in good for node in row.nodes]
    batch_edges = [edge for row in good for edge in row.edges]
    if batch_nodes or batch_edges:
        await bulk.write_batch(tx, nodes=batch_nodes, edges=batch_edges)
    return refused, stored


async def _write_observations(
    tx: WriteTx, parsed: dict[int, ParsedRow], *, actor: Actor
) -> tuple[dict[int, Refusal], set[int], list[Change]]:
    """Observation rows, written as recordObservation writes them (one call for the batch):
    the refused rows with the reason, the rows stored already, the incident changes."""
    rows = sorted((n, row.observation) for n, row in parsed.items() if row.observation)
    numbers = [n for n, _ in rows]
    done = await monitoring.write_observations(
        tx, commands=[command for _, command in rows], actor=actor
    )
    refused = {
        numbers[i]: Refusal(str(e), str(e.extensions.get("field") or "") or None, e.code)
        for i, e in done.refused.items()
    }
    return refused, {numbers[i] for i in done.stored}, done.changes


_SERVING_FIELDS = ("valid_to", "role", "traffic_share")


def reference_refusals(parsed: dict[int, ParsedRow], missing: set[str]) -> dict[int, Refusal]:
    """The rows that name a uid in `missing` (no such node), each refused at the column of
    the first one."""
    refused = {}
    for n, row in parsed.items():
        lacking = sorted(missing.intersection(row.refs))
        if lacking:
            reason = "unknown reference: " + ", ".join(lacking)
            refused[n] = Refusal(reason, row.refs[lacking[0]])
    return refused


def serving_rows(parsed: dict[int, ParsedRow]) -> list[dict[str, Any]]:
    """The imported serving intervals of a batch, one per SERVED edge, with its row number."""
    return [
        {"n": n, "source": e.source, "target": e.target, "valid_from": e.props["valid_from"],
         "valid_to": e.props["valid_to"], "role": e.props["role"], "edge": e.props}
        for n, row in parsed.items() for e in row.edges if e.rel is Rel.SERVED
    ]  # fmt: skip


def judge_serving(
    rows: list[dict[str, Any]], found: Iterable[tuple[int, Mapping[str, Any] | None, str | None]]
) -> tuple[dict[int, Refusal], set[int]]:
    """The rule for imported serving: given, per row number, the interval stored with the same
    start (None when none) and another champion's version that overlaps it (None when
    none), the rows refused with the reason and the rows stored already as given. An import
    may add history or repeat it, never rewrite it or overlap a champion."""
    by_n = {r["n"]: r for r in rows}
    overlapping = _overlapping_champions(rows)
    refused: dict[int, Refusal] = {}
    stored: set[int] = set()
    for n, same, overlap in found:
        row = by_n[n]
        where = f"{row['target']} at {row['source']} from {row['valid_from'].isoformat()}"
        differs = same is not None and any(
            nodes.native(same.get(k)) != row["edge"].get(k) for k in _SERVING_FIELDS
        )
        if same is not None and not differs:
            stored.add(n)
        elif differs:
            refused[n] = Refusal(
                f"valid_from: would rewrite the stored serving interval of {where}: serving "
                "that is recorded changes only through the lifecycle",
                "valid_from",
            )
        elif n in overlapping:
            refused[n] = Refusal(
                f"valid_from: the champion interval of {where} overlaps "
                f"{overlapping[n]}'s as champion in the same file",
                "valid_from",
            )
        elif overlap is not None:
            refused[n] = Refusal(
                f"valid_from: the champion interval of {where} overlaps {overlap}'s as champion",
                "valid_from",
            )
    return refused, stored


async def _serving_conflicts(
    tx: WriteTx, parsed: dict[int, ParsedRow]
) -> tuple[dict[int, Refusal], set[int]]:
    """judge_serving with what bulk/serving_conflicts.cypher finds stored (one statement for
    the batch, which also write-locks each deployment)."""
    rows = serving_rows(parsed)
    if not rows:
        return {}, set()
    found = await tx.run("bulk/serving_conflicts", rows=[
        {k: v for k, v in r.items() if k != "edge"} for r in rows
    ])  # fmt: skip
    return judge_serving(rows, ((f["n"], f["same"], f["overlap"]) for f in found))


def _overlapping_champions(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Champion rows of one file that overlap an earlier row's champion interval at the same
    deployment: row number -> the version of that earlier row."""
    champions = sorted((r for r in rows if r["role"] == "champion"), key=lambda r: r["n"])
    found: dict[int, str] = {}
    for i, row in enumerate(champions):
        for earlier in champions[:i]:
            if (
                earlier["source"] == row["source"] and earlier["n"] not in found
                and earlier["valid_from"] < row["valid_to"]
                and row["valid_from"] < earlier["valid_to"]
                and (earlier["target"], earlier["valid_from"]) != (row["target"], row["valid_from"])
            ):  # fmt: skip
                found[row["n"]] = earlier["target"]
                break
    return found


def governance_rejects(
    parsed: dict[int, ParsedRow], *, roles: frozenset[Role], reason: str | None, now: datetime
) -> dict[int, Refusal]:
    """Rows that need a role or a reason the load lacks, and serving rows that are not
    closed history: a bulk load never starts, extends or ends current serving."""
    refused = {}
    for number, row in parsed.items():
        for edge in row.edges:
            role = GOVERNED_LINKS.get(edge.rel)
            if role is None:
                continue
            what = _GOVERNED_ROWS[edge.rel]
            if not allows(roles, role):
                refused[number] = Refusal(f"{what} need the {role.value} role", None, "FORBIDDEN")
            elif not (reason or "").strip():
                refused[number] = Refusal(f"{what} need a reason for the load", "reason")
            elif edge.rel is Rel.SERVED and (
                edge.props["valid_to"] is None or edge.props["valid_to"] > now
            ):
                refused[number] = Refusal(
                    "valid_to: a bulk load imports closed serving history only (valid_to at or "
                    "before now): a version starts serving by deployModelVersion, and becomes "
                    "champion only by promoteToChampion after an approved promotion and its "
                    "warm-up",
                    "valid_to",
                )
    return refused


_GOVERNED_ROWS = {
    Rel.OWNS: "ownership (OWNS) rows",
    Rel.CLASSIFIED_AS: "classification (CLASSIFIED_AS) rows",
    Rel.SERVED: "serving history (SERVED) rows",
}


def mark_imported(parsed: dict[int, ParsedRow], *, actor: Actor, reason: str | None) -> None:
    # Imported serving says so on every interval, so reports can tell it from the lifecycle's.
    for row in parsed.values():
        for edge in row.edges:
            if edge.rel is Rel.SERVED:
                edge.props.update(imported=True, reason=reason, changed_by=actor.uid)


def _batch_change(
    kind: LoadKind, parsed: dict[int, ParsedRow], unwritten: set[int], reason: str | None
) -> Change | None:
    """One audit event per batch: which rows landed and a digest of what they wrote (none
    when every row was refused or already stored)."""
    landed = sorted(n for n in parsed if n not in unwritten)
    if not landed:
        return None
    digest = hashlib.sha256()
    for n in landed:
        row = parsed[n]
        digest.update(repr((row.prediction, row.nodes, row.edges, row.observation)).encode())
    after = {"rows": len(landed), "first_row": landed[0], "last_row": landed[-1],
             "sha256": digest.hexdigest()}  # fmt: skip
    return Change(f"bulk.{kind.value}", f"bulk:{kind.value}", None, after, reason)


async def load(
    graph: Graph,
    *,
    source: Path | IO[bytes],
    kind: LoadKind,
    actor: Actor,
    reason: str | None = None,
    roles: frozenset[Role] = frozenset({Role.WRITER}),
    batch_size: int = 10_000,
    progress: Progress | None = None,
) -> LoadReport:
    """Load a Parquet / Arrow IPC source of one kind; valid rows land, the rest are reported.

    Each batch is one transaction with one audit event for the rows it wrote. `roles` are
    the caller's: governed rows (GOVERNED_LINKS) need theirs, and a reason. `progress` is
    called before the first batch and after each one with the counts so far.
    """
    report = LoadReport(kind=kind)
    total = None
    if progress:
        # From the file's footer, not the database: a display shows the total at once.
        total = row_count(source)
        progress(LoadProgress(0, 0, 0, 0.0, total))
    started = time.perf_counter()
    for batch in read_batches(source, batch_size=batch_size):
        first = report.rows + 1
        parsed, rejects = parse_batch(kind, batch, first)
        refused_now = governance_rejects(parsed, roles=roles, reason=reason, now=nodes.now())
        for number, why in refused_now.items():
            del parsed[number]
            row = batch.slice(number - first, 1).to_pylist()[0]
            rejects.append(reject(number, why, row))
        mark_imported(parsed, actor=actor, reason=reason)

        async def work(tx: WriteTx, parsed: dict[int, ParsedRow] = parsed) -> dict[int, Refusal]:
            incident_changes: list[Change] = []
            if kind is LoadKind.OBSERVATIONS:
                refused, stored, incident_changes = await _write_observations(
                    tx, parsed, actor=actor
                )
            else:
                refused, stored = await _write(tx, parsed)
            change = _batch_change(kind, parsed, set(refused) | stored, reason)
            changes = ([change] if change is not None else []) + incident_changes
            if changes:
                await audit.record(tx, actor=actor, changes=changes)
            return refused

        refused = await predictions.write(graph, work)
        for number, why in sorted(refused.items()):
            row = batch.slice(number - first, 1).to_pylist()[0]
            rejects.append(reject(number, why, row))
        report.rows += batch.num_rows
        report.loaded += batch.num_rows - len(rejects)
        report.rejects += rejects
        report.seconds = time.perf_counter() - started
        if progress:
            progress(LoadProgress(report.rows, report.loaded, len(report.rejects),
                                  report.seconds, total))  # fmt: skip
    report.seconds = time.perf_counter() - started
    return report


def reject(number: int, refusal: Refusal, values: dict[str, Any]) -> Reject:
    return Reject(number, refusal.reason, values, refusal.field, refusal.code)


def write_rejects(report: LoadReport, path: Path) -> None:
    """The rejected rows as JSON lines: row number (1-based), reason, the row's values."""
    with path.open("w") as out:
        for reject in sorted(report.rejects, key=lambda r: r.row):
            line = {"row": reject.row, "field": reject.field, "code": reject.code,
                    "reason": reject.reason, "values": reject.values}  # fmt: skip
            out.write(json.dumps(line, default=str) + "\n")
