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
    EventPlan,
    InputRead,
    NodeUpdate,
    input_version,
    versioned,
)
from lineage_catalog.ingest.openlineage_facets import derived_props
from lineage_catalog.services import audit
from lineage_catalog.services.openlineage_quality import record_quality
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
        # A version both read and written by the run is stored once, as written.
        written = {u.uid for u in plan.outputs}
        named = [input_version(r, r.version) for r in plan.inputs if r.version is not None]
        explicit = [v for v in named if v.uid not in written]
        known = [plan.run, plan.job, *plan.datasets, *plan.outputs, *explicit]
        known += [plan.commit] if plan.commit is not None else []
        existing = await lock_nodes(tx, known)
        context = await _reads_and_writes(tx, run=plan.run.uid)
        # Every dataset whose implicit reads this event may re-resolve is locked before the
        # state they resolve from is read, so a producer and a consumer committing at once
        # cannot both miss each other: one waits for the other on the Dataset node.
        more = {row["dataset"]: row["dataset_key"] for row in [*context.generated, *context.used]}
        extra = [
            NodeUpdate(Kind.DATASET, key, {}, {})
            for dataset, key in sorted(more.items())
            if dataset not in existing
        ]
        existing |= await lock_nodes(tx, extra)
        run = await _upsert(tx, plan=plan, updates=known, existing=existing)
        # A dataset the run reads by name is not also read implicitly (a later event named
        # the version an earlier one left out): the named read supersedes the implicit one.
        by_name = {uid(Kind.DATASET, v.props["dataset"]) for v in named}
        superseded = sorted(by_name & context.implicit_datasets)
        if superseded:
            await tx.run("openlineage/drop_implicit_reads", run=plan.run.uid, datasets=superseded)
        await _link(tx, plan=plan, inputs=named, context=context)
        affected = reresolve_since(
            plan=plan, before=existing.get(plan.run.uid, {}), after=run, existing=existing,
            generated=context.generated,
        )  # fmt: skip
        links = await _relink(tx, plan=plan, context=context, named=by_name, affected=affected)
        await _settle(tx, moved=links, dropped=superseded)
        recorded = RecordedEvent(
            run=plan.run.key,
            job=plan.job.key,
            status=run["status"],
            inputs=_input_keys(plan, links=links, context=context),
            outputs=[u.key for u in plan.outputs],
        )
        before = existing.get(plan.run.uid)
        after: dict[str, Any] = {
            "event_type": plan.event_type, "event_time": plan.event_time, "job": recorded.job,
            "status": recorded.status, "inputs": recorded.inputs, "outputs": recorded.outputs,
        }  # fmt: skip
        relinked = [
            {"run": link.run, "from": link.old, "to": link.target}
            for link in links
            if link.run != plan.run.uid and link.old != link.target
        ]
        if relinked:
            after["relinked"] = relinked
        quality, observed = await record_quality(tx, plan=plan, actor=actor)
        if quality is not None:
            after["quality"] = quality.audit()
        change = Change("openlineage.run_event", plan.run.uid, before or None, after)
        await audit.record(tx, actor=actor, changes=[change, *observed])
        return recorded

    return await graph.write(work)


async def lock_nodes(tx: WriteTx, updates: Iterable[NodeUpdate]) -> dict[str, dict[str, Any]]:
    """Create the nodes when missing, write-lock them and return what they hold."""
    # One lock order for every event, so two events over the same nodes cannot deadlock.
    rows = sorted(
        ({"uid": u.uid, "kind": u.kind.value, "key": u.key} for u in updates),
        key=lambda row: row["uid"],
    )
    if not rows:
        return {}
    found = await tx.run("openlineage/lock_nodes", rows=rows, now=now())
    return {row["uid"]: decode_props(row["props"]) for row in found}


@dataclass(frozen=True, slots=True)
class _Context:
    """What the run read and wrote before this event (see run_reads_and_writes.cypher)."""

    generated: list[dict[str, Any]]
    used: list[dict[str, Any]]

    @property
    def implicit(self) -> dict[str, dict[str, Any]]:
        """The implicit reads by dataset uid."""
        return {row["dataset"]: row for row in self.used if row["implicit"]}

    @property
    def implicit_datasets(self) -> set[str]:
        return set(self.implicit)

    @property
    def named(self) -> dict[str, list[str]]:
        """The keys of the versions read by name, by dataset uid."""
        found: dict[str, list[str]] = {}
        for row in self.used:
            if not row["implicit"]:
                found.setdefault(row["dataset"], []).append(row["key"])
        return found


async def _reads_and_writes(tx: WriteTx, *, run: str) -> _Context:
    rows = await tx.run("openlineage/run_reads_and_writes", run=run)
    if not rows:
        return _Context([], [])
    return _Context(list(rows[0]["generated"]), list(rows[0]["used"]))


@dataclass(frozen=True, slots=True)
class _Link:
    """An implicit read as linked after this event."""

    run: str
    dataset: str
    old: str | None
    old_placeholder: bool
    target: str
    key: str


async def _relink(
    tx: WriteTx,
    *,
    plan: EventPlan,
    context: _Context,
    named: set[str],
    affected: Mapping[str, datetime | None],
) -> list[_Link]:
    """Resolve the run's own implicit reads and those the event may have changed, and move
    the links that must move; returns every read resolved."""
    run = plan.run.uid
    reads = {uid(Kind.DATASET, r.dataset): r for r in plan.inputs if r.version is None}
    explicit = named | set(context.named)
    own = sorted((set(reads) | context.implicit_datasets) - explicit)
    if not own and not affected:
        return []
    rows = await tx.run(
        "openlineage/resolve_implicit_reads",
        own=[{"run": run, "dataset": d} for d in own],
        affected=[{"dataset": d, "since": at} for d, at in sorted(affected.items())],
        completed=RunStatus.COMPLETED.value,
    )
    links: list[_Link] = []
    moves: list[dict[str, Any]] = []
    for row in sorted(rows, key=lambda r: (r["run"], r["dataset"])):
        if row["run"] == run and row["dataset"] in explicit:
            continue  # dropped above, read by name
        target, key = row["target"], row["target_key"]
        if target is None:
            key = versioned(row["dataset_key"], FIRST_VERSION)
            target = uid(Kind.DATASET_VERSION, key)
        link = _Link(
            run=row["run"],
            dataset=row["dataset"],
            old=row["current"],
            old_placeholder=bool(row["current_placeholder"]),
            target=target,
            key=key,
        )
        links.append(link)
        props = None
        if link.run == run:
            stored = context.implicit.get(link.dataset, {}).get("props") or {}
            props = read_props(reads.get(link.dataset), stored, event_time=plan.event_time)
        elif link.old == link.target:
            continue
        moves.append(
            {"run": link.run, "dataset": link.dataset, "old": link.old, "target": link.target,
             "key": link.key, "dataset_key": row["dataset_key"], "version": FIRST_VERSION,
             "props": props}
        )  # fmt: skip
    if moves:
        await tx.run("openlineage/move_implicit_reads", rows=moves,
                     kind=Kind.DATASET_VERSION.value, now=now())  # fmt: skip
    return links


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


async def _link(
    tx: WriteTx, *, plan: EventPlan, inputs: list[NodeUpdate], context: _Context
) -> None:
    """The event's links; `inputs` are the versions it reads by name (implicit reads are
    linked by _relink). A named read's link carries the reader's facets as an implicit
    one does (merged over the run's events), so that each run's data-quality report of a
    version is kept apart from the others' (docs/openlineage.md, "Data quality")."""
    run = plan.run.uid
    pairs: list[tuple[Rel, str, str]] = [(Rel.RUN_OF, run, plan.job.uid)]
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
    reads = {uid(Kind.DATASET, r.dataset): r for r in plan.inputs if r.version is not None}
    stored = {row["version"]: row["props"] or {} for row in context.used if not row["implicit"]}
    for v in inputs:
        read = reads.get(uid(Kind.DATASET, v.props["dataset"]))
        props = read_props(read, stored.get(v.uid, {}), event_time=plan.event_time)
        rows.append({"source": run, "target": v.uid, "type": Rel.USED.value, "props": props})
    await tx.run("node/merge_edges", rows=rows, now=now())


def read_props(
    read: InputRead | None, stored: Mapping[str, Any], *, event_time: datetime
) -> dict[str, Any]:
    """The properties of a USED link: the reader's facets merged as node facets are.

    Kept on the link rather than on the version, so that they follow it when it moves."""
    decoded = decode_props(stored)
    facets, marks = decoded.get("facets") or {}, decoded.get("facet_stamps") or {}
    if read is not None:
        facets, marks = merge_facets(facets, marks, read.facets, stamp(event_time, 0))
    encoded = encode_props({"facets": facets if marks else None, "facet_stamps": marks or None})
    # Every key given, so that a link replacing another does not keep stale ones.
    return {"facets_json": None, "facet_stamps_json": None, **encoded}


async def _settle(tx: WriteTx, *, moved: list[_Link], dropped: list[str]) -> None:
    """Placeholders left unused are deleted. (One this event named, read by name or
    generated, lost its mark when it was stored by node/upsert_nodes.)"""
    datasets = {link.dataset for link in moved if link.old_placeholder and link.old != link.target}
    datasets |= set(dropped)
    if datasets:
        await tx.run("openlineage/settle_placeholders", datasets=sorted(datasets),
                     version_of=Rel.VERSION_OF.value, used=Rel.USED.value)  # fmt: skip


def _input_keys(plan: EventPlan, *, links: list[_Link], context: _Context) -> list[str]:
    run = plan.run.uid
    resolved = {link.dataset: link.key for link in links if link.run == run}
    keys: list[str] = []
    for read in plan.inputs:
        dataset = uid(Kind.DATASET, read.dataset)
        if read.version is not None:
            keys.append(versioned(read.dataset, read.version))
        elif dataset in resolved:
            keys.append(resolved[dataset])
        else:  # superseded by the run's read of a named version
            keys.extend(sorted(context.named.get(dataset, [])))
    return keys


def reresolve_since(
    *,
    plan: EventPlan,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    existing: Mapping[str, Mapping[str, Any]],
    generated: list[dict[str, Any]],
) -> dict[str, datetime | None]:
    """The datasets whose implicit reads by other runs this event may re-link, each with the
    read time from which on (None: every reader).

    A version of a dataset is current for a reader from the moment its run completed, so a
    change of the run's completion (status or ended_at) or a new version it generated
    concerns the readers from the earlier of the old and new completion times on. A version
    named by this event that was missing, or only a placeholder, or one that was there and
    now has a generator, may change the fallback of every reader.
    """
    since: dict[str, list[datetime | None]] = {}
    old, new = _completed_at(before), _completed_at(after)
    was_generated = {row["version"] for row in generated}
    if old != new:
        for row in generated:
            since.setdefault(row["dataset"], []).extend(t for t in (old, new) if t is not None)
    for v in plan.outputs:
        if v.uid in was_generated:
            continue
        times = since.setdefault(uid(Kind.DATASET, v.props["dataset"]), [])
        if new is not None:
            times.append(new)
        if existing.get(v.uid, {}).get("version") is not None:
            times.append(None)
    for read in plan.inputs:
        if read.version is None:
            continue
        stored = existing.get(input_version(read, read.version).uid, {})
        if stored.get("version") is None or stored.get("placeholder"):
            since.setdefault(uid(Kind.DATASET, read.dataset), []).append(None)
    return {
        dataset: None if None in times else min(t for t in times if t is not None)
        for dataset, times in since.items()
        if times
    }


def _completed_at(run: Mapping[str, Any]) -> datetime | None:
    completed = run.get("status") == RunStatus.COMPLETED.value
    ended: datetime | None = run.get("ended_at")
    return ended if completed else None


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
        new = (mark, "" if deleted else canonical(value))
        if name in marks and (marks[name], canonical(facets.get(name))) > new:
            continue
        marks[name] = mark
        if deleted:
            facets.pop(name, None)
        else:
            facets[name] = value
    return facets, marks


def canonical(value: Any) -> str:
    """A value as sortable text, for comparing two reports of the same instant."""
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
    derived = {k: v for k, v in derived_props(update.kind, facets).items() if v is not None}
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
    first: datetime | None = existing.get("first_event_at")
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
        # The run's read time, when it has no START: see resolve_implicit_reads.cypher.
        "first_event_at": min(first, at) if first else at,
    }
