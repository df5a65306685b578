"""Recording an OpenLineage RunEvent: everything it says lands in one write transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.model import Kind, Rel, RunKind, RunStatus, uid
from lineage_catalog.ingest.openlineage import (
    DataSourceFacet,
    DocumentationFacet,
    ErrorMessageFacet,
    EventPlan,
    NodeUpdate,
    OutputStatisticsFacet,
    ParentRunFacet,
    SchemaFacet,
    SchemaFieldFacet,
    SqlFacet,
    facet,
    input_version,
)
from lineage_catalog.services import audit
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.nodes import decode_props, encode_props, now

FIRST_VERSION = "0"
_STATUS = {
    "START": RunStatus.RUNNING,
    "RUNNING": RunStatus.RUNNING,
    "COMPLETE": RunStatus.COMPLETED,
    "FAIL": RunStatus.FAILED,
    "ABORT": RunStatus.ABORTED,
}
# Two terminal events at the same instant: the more severe one wins, whatever the order.
_SEVERITY = {RunStatus.COMPLETED: 1, RunStatus.ABORTED: 2, RunStatus.FAILED: 3}


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """What an event left in the catalog: the run, its status and the versions it touched."""

    run: str
    job: str
    status: str | None
    inputs: list[str]
    outputs: list[str]


async def record_run_event(graph: Graph, *, plan: EventPlan, actor: Actor) -> RecordedEvent:
    """Merge one RunEvent into the graph (idempotent; events may arrive in any order), and
    audit it in the same transaction."""

    async def work(tx: WriteTx) -> RecordedEvent:
        known = [u for u in [plan.run, plan.job, plan.commit, *plan.datasets, *plan.outputs] if u]
        existing = await _lock(tx, known)
        inputs = await _resolve_inputs(tx, plan=plan)
        existing |= await _lock(tx, [u for u in inputs if u.uid not in existing])
        # A version both read and written by the run is stored once, as written.
        written = {u.uid for u in plan.outputs}
        updates = [*known, *(u for u in inputs if u.uid not in written)]
        run = await _upsert(tx, plan=plan, updates=updates, existing=existing)
        await _link(tx, plan=plan, inputs=inputs)
        recorded = RecordedEvent(
            run=plan.run.key,
            job=plan.job.key,
            status=run["status"],
            inputs=[u.key for u in inputs],
            outputs=[u.key for u in plan.outputs],
        )
        before = existing.get(plan.run.uid)
        after = {
            "event_type": plan.event_type, "event_time": plan.event_time, "job": recorded.job,
            "status": recorded.status, "inputs": recorded.inputs, "outputs": recorded.outputs,
        }  # fmt: skip
        change = Change("openlineage.run_event", plan.run.uid, before or None, after)
        await audit.record(tx, actor=actor, changes=[change])
        return recorded

    return await graph.write(work)


async def _lock(tx: WriteTx, updates: Iterable[NodeUpdate]) -> dict[str, dict[str, Any]]:
    # One lock order for every event, so two events over the same nodes cannot deadlock.
    rows = sorted(
        ({"uid": u.uid, "kind": u.kind.value, "key": u.key} for u in updates),
        key=lambda row: row["uid"],
    )
    if not rows:
        return {}
    found = await tx.run("openlineage/lock_nodes", rows=rows, now=now())
    return {row["uid"]: decode_props(row["props"]) for row in found}


async def _resolve_inputs(tx: WriteTx, *, plan: EventPlan) -> list[NodeUpdate]:
    """The version of each input: named by the event, else already used, else the latest."""
    open_reads = [r for r in plan.inputs if r.version is None]
    resolved: dict[str, str] = {}
    if open_reads:
        rows = await tx.run(
            "openlineage/resolve_input_versions",
            run=plan.run.uid,
            datasets=[uid(Kind.DATASET, r.dataset) for r in open_reads],
        )
        resolved = {row["dataset"]: row["version"] for row in rows if row["version"] is not None}
    return [
        input_version(
            read, read.version or resolved.get(uid(Kind.DATASET, read.dataset), FIRST_VERSION)
        )
        for read in plan.inputs
    ]


async def _upsert(
    tx: WriteTx,
    *,
    plan: EventPlan,
    updates: list[NodeUpdate],
    existing: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """Store every node's merged properties (one statement); returns the run's."""
    rows: list[dict[str, Any]] = []
    run: dict[str, Any] = {}
    for update in updates:
        before = existing.get(update.uid, {})
        if update is plan.run:
            props = run = run_props(plan, before)
        else:
            props = node_props(update, before, event_time=plan.event_time)
        rows.append(
            {"uid": update.uid, "kind": update.kind.value, "key": update.key,
             "props": encode_props(props)}
        )  # fmt: skip
    await tx.run("node/upsert_nodes", rows=rows, now=now())
    return run


async def _link(tx: WriteTx, *, plan: EventPlan, inputs: list[NodeUpdate]) -> None:
    run = plan.run.uid
    pairs: list[tuple[Rel, str, str]] = [(Rel.RUN_OF, run, plan.job.uid)]
    pairs += [(Rel.USED, run, v.uid) for v in inputs]
    pairs += [(Rel.GENERATED, run, v.uid) for v in plan.outputs]
    pairs += [
        (Rel.VERSION_OF, v.uid, uid(Kind.DATASET, v.props["dataset"]))
        for v in [*inputs, *plan.outputs]
    ]
    if plan.commit is not None:
        pairs.append((Rel.EXECUTED, run, plan.commit.uid))
    rows: list[dict[str, Any]] = [
        {"source": s, "target": t, "type": rel.value, "props": {}} for rel, s, t in pairs
    ]
    await tx.run("node/merge_edges", rows=rows, now=now())


def stamp(event_time: datetime, rank: int) -> str:
    """A sortable mark of which report of a facet is the newest (rank first, then time)."""
    return f"{rank}|{event_time.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"


def merge_facets(
    stored: Mapping[str, Any], stamps: Mapping[str, str], incoming: Mapping[str, Any], mark: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """Facets merged per name: the newest report wins, so any arrival order converges.

    Equal marks fall back to comparing the contents, again independent of arrival order;
    a facet reported with `_deleted: true` is removed.
    """
    facets, marks = dict(stored), dict(stamps)
    for name, value in incoming.items():
        deleted = isinstance(value, dict) and bool(value.get("_deleted"))
        new = (mark, "" if deleted else _canonical(value))
        if name in marks and (marks[name], _canonical(facets.get(name))) > new:
            continue
        marks[name] = mark
        if deleted:
            facets.pop(name, None)
        else:
            facets[name] = value
    return facets, marks


def _canonical(value: Any) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, default=str)


def node_props(
    update: NodeUpdate, existing: Mapping[str, Any], *, event_time: datetime
) -> dict[str, Any]:
    """The properties to store: the event's merged into what the node already holds."""
    facets, marks = merge_facets(
        existing.get("facets") or {},
        existing.get("facet_stamps") or {},
        update.facets,
        stamp(event_time, update.rank),
    )
    derived = {k: v for k, v in _derived(update.kind, facets).items() if v is not None}
    # An empty map (every facet deleted) is stored too, so stale facets do not linger.
    return {
        **update.props,
        **derived,
        "facets": facets if marks else None,
        "facet_stamps": marks or None,
    }


def run_props(plan: EventPlan, existing: Mapping[str, Any]) -> dict[str, Any]:
    """The run's properties after this event; the status only moves forward."""
    props = node_props(plan.run, existing, event_time=plan.event_time)
    status: str | None = existing.get("status")
    started: datetime | None = existing.get("started_at")
    ended: datetime | None = existing.get("ended_at")
    new, at = _STATUS.get(plan.event_type or ""), plan.event_time
    if plan.event_type == "START":
        started = min(started, at) if started else at
    current = _SEVERITY.get(RunStatus(status)) if status in _SEVERITY else None
    if new is not None and new in _SEVERITY:
        if current is None or ended is None or (at, _SEVERITY[new]) > (ended, current):
            status, ended = new.value, at
    elif new is RunStatus.RUNNING and current is None:
        status = new.value
    return {
        **props,
        "run_kind": existing.get("run_kind") or RunKind.TRANSFORMATION.value,
        "status": status,
        "started_at": started,
        "ended_at": ended,
    }


def _derived(kind: Kind, facets: Mapping[str, Any]) -> dict[str, Any]:
    if kind is Kind.RUN:
        parent = facet(facets, "parent", ParentRunFacet)
        error = facet(facets, "errorMessage", ErrorMessageFacet)
        return {
            "parent_run": parent.run.runId if parent else None,
            "error": error.message if error else None,
        }
    if kind is Kind.JOB:
        docs = facet(facets, "documentation", DocumentationFacet)
        sql = facet(facets, "sql", SqlFacet)
        code = facets.get("sourceCodeLocation")
        return {
            "description": docs.description if docs else None,
            "sql": sql.query if sql else None,
            "source_code": _without_meta(code) if isinstance(code, dict) else None,
        }
    if kind is Kind.DATASET:
        docs = facet(facets, "documentation", DocumentationFacet)
        source = facet(facets, "dataSource", DataSourceFacet)
        owners = facets.get("ownership")
        return {
            "description": docs.description if docs else None,
            "platform": source.name if source else None,
            "location": source.uri if source else None,
            "ownership": _without_meta(owners) if isinstance(owners, dict) else None,
        }
    if kind is Kind.DATASET_VERSION:
        schema = facet(facets, "schema", SchemaFacet)
        columns = facets.get("columnLineage")
        stats = facet(facets, "outputStatistics", OutputStatisticsFacet)
        return {
            "schema": _flatten(schema.fields or [], prefix="") if schema else None,
            "column_lineage": _without_meta(columns) if isinstance(columns, dict) else None,
            "row_count": stats.rowCount if stats else None,
        }
    return {}


def _without_meta(facet: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def _flatten(fields: list[SchemaFieldFacet], *, prefix: str) -> list[dict[str, Any]]:
    # Nested (struct) fields become dotted names, the form GraphQL's schema list can show.
    flat: list[dict[str, Any]] = []
    for f in fields:
        name = prefix + f.name
        flat.append({"name": name, "type": f.type, "description": f.description})
        flat.extend(_flatten(f.fields or [], prefix=name + "."))
    return flat
