"""Audit events and their hash chain: each event's hash covers its content and the previous
event's hash, so editing, removing or reordering a stored event breaks the chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = ""  # the previous hash of the first event


@dataclass(frozen=True, slots=True)
class Change:
    """One change to audit: what was done to which target, before and after, and why."""

    action: str
    target: str
    before: Any = None
    after: Any = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """An event as stored: its place in the chain, the change, who made it and how."""

    seq: int
    time: datetime
    actor: str
    actor_kind: str  # "person" or "agent"
    interface: str
    request_id: str
    action: str
    target: str
    before: str  # canonical JSON, as hashed
    after: str
    reason: str | None
    prev_hash: str
    hash: str

    @property
    def key(self) -> str:
        return f"{self.seq:012d}"


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(
    *,
    seq: int,
    time: datetime,
    actor: str,
    actor_kind: str,
    interface: str,
    request_id: str,
    action: str,
    target: str,
    before: str,
    after: str,
    reason: str | None,
    prev_hash: str,
) -> str:
    """The SHA-256 of an event's content and the previous event's hash."""
    content = canonical(
        [seq, time.isoformat(timespec="microseconds"), actor, actor_kind, interface,
         request_id, action, target, before, after, reason, prev_hash]
    )  # fmt: skip
    return hashlib.sha256(content.encode()).hexdigest()


def stored_hash(event: AuditEvent) -> str:
    """The hash an event's stored content should have."""
    return event_hash(
        seq=event.seq,
        time=event.time,
        actor=event.actor,
        actor_kind=event.actor_kind,
        interface=event.interface,
        request_id=event.request_id,
        action=event.action,
        target=event.target,
        before=event.before,
        after=event.after,
        reason=event.reason,
        prev_hash=event.prev_hash,
    )
