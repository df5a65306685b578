"""Auditing changes in their own transaction, and verifying the hash chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lineage_catalog.domain.audit import (
    GENESIS,
    AuditEvent,
    Change,
    canonical,
    event_hash,
    stored_hash,
)
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.store import audit
from lineage_catalog.store.graph import Graph, WriteTx

MAX_REASON = 2000


def checked_reason(reason: str | None, *, path: list[str | int], required: bool) -> str | None:
    """A stripped reason; BadInputError when a required one is missing or one is too long."""
    text = (reason or "").strip()
    if required and not text:
        raise BadInputError("a reason is required for this change", path=path)
    if len(text) > MAX_REASON:
        raise BadInputError(f"reason longer than {MAX_REASON} characters", path=path)
    return text or None


async def record(tx: WriteTx, *, actor: Actor, changes: Sequence[Change]) -> list[AuditEvent]:
    """Append one event per change to the chain, inside the change's transaction.

    Call it last in the transaction: it locks the chain's head until the commit.
    """
    if not changes:
        return []
    seq, prev = await audit.lock_chain(tx)
    at = datetime.now(UTC)  # microseconds: what the hash covers and Neo4j keeps exactly
    events = []
    for change in changes:
        seq += 1
        fields = {
            "seq": seq,
            "time": at,
            "actor": actor.uid,
            "actor_kind": "agent" if actor.is_agent else "person",
            "interface": actor.interface.value,
            "request_id": actor.request_id,
            "action": change.action,
            "target": change.target,
            "before": canonical(change.before),
            "after": canonical(change.after),
            "reason": change.reason,
            "prev_hash": prev,
        }
        digest = event_hash(**fields)  # type: ignore[arg-type]
        events.append(AuditEvent(**fields, hash=digest))  # type: ignore[arg-type]
        prev = digest
    await audit.append(tx, events=events)
    return events


async def write_audited(
    graph: Graph, *, actor: Actor, changes: Sequence[Change]
) -> list[AuditEvent]:
    """Audit changes made outside the graph's catalog nodes (e.g. a wipe) in one transaction."""

    async def work(tx: WriteTx) -> list[AuditEvent]:
        return await record(tx, actor=actor, changes=changes)

    return await graph.write(work)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What `lineage audit verify` found: events checked and the first broken link, if any."""

    checked: int
    broken_seq: int | None = None
    broken_key: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


async def verify_chain(graph: Graph, *, page_size: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first event whose content, link or place is wrong."""
    expected_seq, prev, checked = 1, GENESIS, 0
    while True:
        page = await audit.chain_page(graph, after=expected_seq - 1, limit=page_size)
        if not page:
            break
        for event in page:
            problem = _problem(event, expected_seq=expected_seq, prev=prev)
            if problem:
                return ChainReport(checked, event.seq, event.key, problem)
            expected_seq, prev, checked = event.seq + 1, event.hash, checked + 1
    head = await audit.chain_head(graph)
    last = expected_seq - 1
    if head is not None and (head[0] != last or head[1] != prev):
        return ChainReport(
            checked,
            head[0],
            f"{head[0]:012d}",
            f"the chain's head names event {head[0]} but the last event found is {last}: "
            "events at the end were removed or the head was edited",
        )
    if head is None and checked:
        return ChainReport(checked, None, None, "events exist but the chain's head is missing")
    return ChainReport(checked)


def _problem(event: AuditEvent, *, expected_seq: int, prev: str) -> str | None:
    if event.seq != expected_seq:
        return f"event {expected_seq} is missing (the next one found is {event.seq})"
    if event.prev_hash != prev:
        return "its previous-hash does not match the event before it"
    if stored_hash(event) != event.hash:
        return "its content does not match its hash: it was edited after it was written"
    return None
