"""The audit trail in Neo4j: appending to the hash chain inside a change's transaction,
reading it back in order (verify) and by filters (Q5), and the access log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lineage_catalog.domain.audit import AuditEvent
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.nodes import native, now


def _event(raw: Mapping[str, Any]) -> AuditEvent:
    return AuditEvent(
        seq=int(raw["seq"]),
        time=native(raw["time"]),
        actor=raw.get("actor", ""),
        actor_kind=raw.get("actor_kind", ""),
        interface=raw.get("interface", ""),
        request_id=raw.get("request_id", ""),
        action=raw.get("action", ""),
        target=raw.get("target", ""),
        before=raw.get("before", "null"),
        after=raw.get("after", "null"),
        reason=raw.get("reason"),
        prev_hash=raw.get("prev_hash", ""),
        hash=raw.get("hash", ""),
    )


async def lock_chain(tx: WriteTx) -> tuple[int, str]:
    """Lock the chain's head for this transaction; return its last seq and hash."""
    (row,) = await tx.run("audit/lock_chain", now=now())
    return int(row["seq"]), str(row["hash"])


async def append(tx: WriteTx, *, events: Sequence[AuditEvent]) -> None:
    """Store events (already chained from the locked head) and move the head."""
    payload = [
        {
            "key": e.key, "seq": e.seq, "time": e.time, "actor": e.actor,
            "actor_kind": e.actor_kind, "interface": e.interface, "request_id": e.request_id,
            "action": e.action, "target": e.target, "before": e.before, "after": e.after,
            "reason": e.reason, "prev_hash": e.prev_hash, "hash": e.hash,
        }
        for e in events
    ]  # fmt: skip
    await tx.run("audit/append_events", events=payload, seq=events[-1].seq, hash=events[-1].hash)


async def chain_page(graph: Graph, *, after: int, limit: int) -> list[AuditEvent]:
    """Events with seq > after, in chain order."""
    rows = await graph.read("audit/chain_page", after=after, limit=limit)
    return [_event(row["event"]) for row in rows]


async def chain_head(graph: Graph) -> tuple[int, str] | None:
    """The head's seq and hash, or None before the first audited change."""
    (row,) = await graph.read("audit/chain_head")
    return None if row["seq"] is None else (int(row["seq"]), str(row["hash"]))


async def trail(
    graph: Graph,
    *,
    targets: list[str] | None,
    limit: int,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: int | None = None,
) -> list[AuditEvent]:
    """Events matching every given filter, newest first, with seq < before."""
    rows = await graph.read(
        "audit/trail",
        target=targets,
        actor=actor,
        action=action,
        since=since,
        until=until,
        before=before,
        limit=limit,
    )
    return [_event(row["event"]) for row in rows]


async def trail_count(
    graph: Graph,
    *,
    targets: list[str] | None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """How many events match the filters of `trail`, on every page."""
    (row,) = await graph.read(
        "audit/trail_count", target=targets, actor=actor, action=action, since=since, until=until
    )
    return int(row["total"])


async def log_access(graph: Graph, *, reads: list[dict[str, Any]]) -> None:
    """Write restricted reads to the access log, in one transaction."""

    async def work(tx: WriteTx) -> None:
        await tx.run("audit/access_log", reads=reads, now=now())

    await graph.write(work)


async def access_reads(
    graph: Graph, *, target: str | None, actor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Restricted reads, newest first."""
    rows = await graph.read("audit/access_reads", target=target, actor=actor, limit=limit)
    return [{k: native(v) for k, v in row["read"].items()} for row in rows]
