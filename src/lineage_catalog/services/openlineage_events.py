"""Recording OpenLineage DatasetEvents and JobEvents (static metadata, no run), any event by
its kind, and batches of events, each event in its own write transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.errors import (
    CatalogError,
    GraphUnavailableError,
    PayloadTooLargeError,
    RequestTimeoutError,
)
from lineage_catalog.domain.model import Kind, Rel, RunStatus, uid
from lineage_catalog.ingest.openlineage import (
    DatasetPlan,
    JobPlan,
    NodeUpdate,
    Plan,
    parse_event_object,
    plan,
    versioned,
)
from lineage_catalog.services import audit
from lineage_catalog.services.openlineage import (
    FIRST_VERSION,
    RecordedEvent,
    canonical,
    lock_nodes,
    node_props,
    record_run_event,
    stamp,
)
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.nodes import encode_props, now

log = logging.getLogger(__name__)
MAX_BATCH_EVENTS = 1000


@dataclass(frozen=True, slots=True)
class RecordedDataset:
    """What a DatasetEvent left: the dataset's key and the version it named, if any."""

    dataset: str
    version: str | None


@dataclass(frozen=True, slots=True)
class RecordedJob:
    """What a JobEvent left: the job's key and the datasets it declares."""

    job: str
    inputs: list[str]
    outputs: list[str]


Recorded = RecordedEvent | RecordedDataset | RecordedJob


async def record_event(graph: Graph, *, plan: Plan, actor: Actor) -> Recorded:
    """Merge one event of any kind into the graph, in one transaction with its audit."""
    if isinstance(plan, DatasetPlan):
        return await record_dataset_event(graph, plan=plan, actor=actor)
    if isinstance(plan, JobPlan):
        return await record_job_event(graph, plan=plan, actor=actor)
    return await record_run_event(graph, plan=plan, actor=actor)


async def record_dataset_event(graph: Graph, *, plan: DatasetPlan, actor: Actor) -> RecordedDataset:
    """Merge one DatasetEvent: the dataset's facets, and the version it names with that
    version's facets; readers that resolve their version implicitly are re-resolved, as a
    RunEvent naming a version would (docs/openlineage.md, "Implicit reads")."""

    async def work(tx: WriteTx) -> RecordedDataset:
        updates = [plan.dataset, *([plan.version] if plan.version else [])]
        existing = await lock_nodes(tx, updates)
        await _store(tx, updates, existing=existing, event_time=plan.event_time)
        relinked: list[dict[str, Any]] = []
        if plan.version is not None:
            edge = {"source": plan.version.uid, "target": plan.dataset.uid,
                    "type": Rel.VERSION_OF.value, "props": {}}  # fmt: skip
            await tx.run("node/merge_edges", rows=[edge], now=now())
            # A version no run generated is the fallback of every implicit reader.
            relinked = await _reresolve_readers(tx, datasets=[plan.dataset.uid])
        recorded = RecordedDataset(plan.dataset.key, plan.version.key if plan.version else None)
        after: dict[str, Any] = {"event_time": plan.event_time, "version": recorded.version}
        if relinked:
            after["relinked"] = relinked
        before = existing.get(plan.dataset.uid)
        change = Change("openlineage.dataset_event", plan.dataset.uid, before or None, after)
        await audit.record(tx, actor=actor, changes=[change])
        return recorded

    return await graph.write(work)


async def record_job_event(graph: Graph, *, plan: JobPlan, actor: Actor) -> RecordedJob:
    """Merge one JobEvent: the job's facets, its declared inputs and outputs (the newest
    JobEvent's, whatever the arrival order) and those datasets' facets."""

    async def work(tx: WriteTx) -> RecordedJob:
        existing = await lock_nodes(tx, [plan.job, *plan.datasets])
        declared = declared_props(plan, existing.get(plan.job.uid, {}))
        await _store(tx, [plan.job, *plan.datasets], existing=existing,
                     event_time=plan.event_time, extra={plan.job.uid: declared})  # fmt: skip
        recorded = RecordedJob(
            job=plan.job.key,
            inputs=[d["dataset"] for d in plan.declared["inputs"]],
            outputs=[d["dataset"] for d in plan.declared["outputs"]],
        )
        after = {"event_time": plan.event_time, "inputs": recorded.inputs,
                 "outputs": recorded.outputs}  # fmt: skip
        before = existing.get(plan.job.uid)
        change = Change("openlineage.job_event", plan.job.uid, before or None, after)
        await audit.record(tx, actor=actor, changes=[change])
        return recorded

    return await graph.write(work)


def declared_props(plan: JobPlan, stored: Mapping[str, Any]) -> dict[str, Any]:
    """The job's declared inputs and outputs after this event: the report with the later
    eventTime wins (equal times: compared by content), so any arrival order converges."""
    mark = stamp(plan.event_time, 0)
    ours = (mark, canonical(plan.declared))
    theirs = (stored.get("declared_stamp") or "", canonical(stored.get("declared_io")))
    if stored.get("declared_stamp") and theirs >= ours:
        return {}
    return {
        "declared_inputs": [d["dataset"] for d in plan.declared["inputs"]],
        "declared_outputs": [d["dataset"] for d in plan.declared["outputs"]],
        "declared_io": plan.declared,
        "declared_stamp": mark,
    }


async def _store(
    tx: WriteTx,
    updates: Sequence[NodeUpdate],
    *,
    existing: Mapping[str, Mapping[str, Any]],
    event_time: datetime,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    rows = [
        {"uid": u.uid, "kind": u.kind.value, "key": u.key,
         "props": encode_props({**node_props(u, existing.get(u.uid, {}), event_time=event_time),
                                **(extra or {}).get(u.uid, {})})}
        for u in updates
    ]  # fmt: skip
    await tx.run("node/upsert_nodes", rows=rows, now=now())


async def _reresolve_readers(tx: WriteTx, *, datasets: list[str]) -> list[dict[str, Any]]:
    """Move every implicit read of `datasets` to the version it now resolves to (the caller
    holds the datasets' locks); returns the links that moved."""
    rows = await tx.run(
        "openlineage/resolve_implicit_reads",
        own=[],
        affected=[{"dataset": d, "since": None} for d in sorted(datasets)],
        completed=RunStatus.COMPLETED.value,
    )
    moves: list[dict[str, Any]] = []
    left: set[str] = set()
    for row in sorted(rows, key=lambda r: (r["run"], r["dataset"])):
        target, key = row["target"], row["target_key"]
        if target is None:
            key = versioned(row["dataset_key"], FIRST_VERSION)
            target = uid(Kind.DATASET_VERSION, key)
        if row["current"] == target:
            continue
        if row["current_placeholder"]:
            left.add(row["dataset"])
        moves.append(
            {"run": row["run"], "dataset": row["dataset"], "old": row["current"],
             "target": target, "key": key, "dataset_key": row["dataset_key"],
             "version": FIRST_VERSION, "props": None}
        )  # fmt: skip
    if moves:
        await tx.run("openlineage/move_implicit_reads", rows=moves,
                     kind=Kind.DATASET_VERSION.value, now=now())  # fmt: skip
    if left:
        await tx.run("openlineage/settle_placeholders", datasets=sorted(left),
                     version_of=Rel.VERSION_OF.value, used=Rel.USED.value)  # fmt: skip
    return [{"run": m["run"], "from": m["old"], "to": m["target"]} for m in moves]


# --- batches ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FailedEvent:
    """An event of a batch that did not land: its 0-based index, why, and whether sending
    it again may succeed (the database was unavailable or out of time)."""

    index: int
    reason: str
    retriable: bool


@dataclass(slots=True)
class BatchOutcome:
    """What a batch did: how many events came, and those that failed."""

    received: int
    failed: list[FailedEvent] = field(default_factory=list)

    @property
    def successful(self) -> int:
        return self.received - len(self.failed)


async def record_batch(
    graph: Graph, *, events: list[Any], actor: Actor, max_event_bytes: int, request_id: str
) -> BatchOutcome:
    """Record each event of a batch on its own (one transaction each, in the batch's order):
    a bad event is reported by index and loses nothing else."""
    if len(events) > MAX_BATCH_EVENTS:
        raise PayloadTooLargeError(f"a batch holds at most {MAX_BATCH_EVENTS} events")
    outcome = BatchOutcome(received=len(events))
    for index, event in enumerate(events):
        try:
            parsed = parse_event_object(event, max_bytes=max_event_bytes)
            await record_event(graph, plan=plan(parsed), actor=actor)
        except (GraphUnavailableError, RequestTimeoutError) as e:
            outcome.failed.append(FailedEvent(index, str(e), retriable=True))
        except CatalogError as e:
            outcome.failed.append(FailedEvent(index, str(e), retriable=False))
        except Exception:
            # One event's unexpected failure must not hide what the others did.
            log.exception("batch event %d failed (request %s)", index, request_id)
            reason = f"internal error; logged with request id {request_id}"
            outcome.failed.append(FailedEvent(index, reason, retriable=False))
    return outcome
