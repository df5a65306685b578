"""Incidents: opened automatically when an observation breaches its monitor's threshold (or
extended while one is open), opened by hand, and moved OPEN -> ACKNOWLEDGED -> RESOLVED
(or DISMISSED) with a reason on every transition, each one audited."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import uuid4

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.monitoring import (
    AGENT_OWNER_KINDS,
    BreachDirection,
    Incident,
    IncidentChange,
    IncidentStatus,
    Monitor,
    Observation,
    Severity,
    Transition,
    check_transition,
    target_of,
)
from lineage_catalog.services import audit, incident_links
from lineage_catalog.store import monitoring as store
from lineage_catalog.store import nodes
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.monitoring import Health, IncidentFilter, IncidentWrite

MAX_KEY = 200


def incident_target(key: str) -> str:
    """An incident as an audit event's target."""
    return f"Incident:{key}"


def automatic_key(monitor: str, opened_at: datetime) -> str:
    """The key of the incident a monitor's breach at opened_at opens: the same breach
    recorded again names the same incident."""
    key = f"{monitor}.{opened_at.strftime('%Y%m%dT%H%M%S%fZ')}"
    if len(key) <= MAX_KEY:
        return key
    return "incident-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _summary(incident: Incident) -> dict[str, object]:
    return {"status": incident.status.value, "severity": incident.severity.value,
            "assignee": incident.assignee, "breaches": incident.breaches,
            "last_breach_at": incident.last_breach_at, "closed_at": incident.closed_at}  # fmt: skip


def _breach_reason(monitor: Monitor, value: float) -> str:
    side = ">" if monitor.direction is BreachDirection.ABOVE else "<"
    return f"{monitor.metric} {value:g} {side} threshold {monitor.threshold:g} ({monitor.key})"


def judge(
    monitor: Monitor, incident: Incident | None, observations: Sequence[Observation], *,
    actor: Actor,
) -> tuple[list[IncidentWrite], list[Change]]:  # fmt: skip
    """The incidents a monitor's new observations open, extend or resolve, in time order: a
    breach opens one when none is open, else extends it (its evidence); with resolve_after,
    that many observations within the threshold after the last breach resolve it."""
    writes: dict[str, IncidentWrite] = {}
    changes: list[Change] = []
    start = incident
    for o in sorted(observations, key=lambda o: (o.observed_at, o.key)):
        if o.breached:
            if incident is None:
                incident = Incident(
                    key=automatic_key(monitor.key, o.observed_at),
                    title=f"{monitor.metric} of {monitor.target} breached its threshold",
                    status=IncidentStatus.OPEN, severity=monitor.severity,
                    opened_at=o.observed_at, opened_by=actor.uid, automatic=True,
                    assignee=monitor.owner, last_breach_at=o.observed_at, breaches=1,
                    history=(Transition(IncidentStatus.OPEN, o.observed_at, actor.uid,
                                        _breach_reason(monitor, o.value), monitor.severity,
                                        monitor.owner),),
                )  # fmt: skip
                changes.append(Change("incident.open", incident_target(incident.key), None,
                                      {**_summary(incident), "monitor": monitor.key,
                                       "about": [monitor.target], "evidence": [o.key]},
                                      _breach_reason(monitor, o.value)))  # fmt: skip
            else:
                last = incident.last_breach_at
                incident = replace(
                    incident, breaches=incident.breaches + 1, healthy_streak=0,
                    last_breach_at=o.observed_at if last is None else max(last, o.observed_at),
                    opened_at=min(incident.opened_at, o.observed_at),
                )  # fmt: skip
            was = writes.get(incident.key)
            writes[incident.key] = IncidentWrite(
                incident,
                about=[monitor.target],
                monitor=monitor.key,
                evidence=[*(was.evidence if was else ()), o.key],
            )
        elif (
            incident is not None and monitor.resolve_after
            and (incident.last_breach_at is None or o.observed_at > incident.last_breach_at)
        ):  # fmt: skip
            streak = incident.healthy_streak + 1
            incident = replace(incident, healthy_streak=streak)
            was = writes.get(incident.key)
            if streak >= monitor.resolve_after:
                reason = (f"{streak} observations within the threshold of {monitor.key} "
                          "after the last breach")  # fmt: skip
                before = _summary(incident)
                incident = replace(
                    incident, status=IncidentStatus.RESOLVED, closed_at=o.observed_at,
                    history=(*incident.history, Transition(
                        IncidentStatus.RESOLVED, o.observed_at, actor.uid, reason,
                        incident.severity, incident.assignee)),
                )  # fmt: skip
                changes.append(Change("incident.resolve", incident_target(incident.key),
                                      before, _summary(incident), reason))  # fmt: skip
            writes[incident.key] = IncidentWrite(
                incident,
                about=was.about if was else (),
                evidence=was.evidence if was else (),
                monitor=monitor.key,
            )
            if incident.status is IncidentStatus.RESOLVED:
                incident = None
    if start is not None and start.key in writes:
        grown = writes[start.key]
        if grown.evidence:
            after = {**_summary(grown.incident), "evidence": list(grown.evidence)}
            changes.insert(
                0,
                Change(
                    "incident.extend",
                    incident_target(start.key),
                    _summary(start),
                    after,
                    f"{len(grown.evidence)} more breaches of {monitor.key}",
                ),
            )
    return list(writes.values()), changes


async def _check_agent(tx: WriteTx, value: str | None, path: list[str | int]) -> str | None:
    if value is None:
        return None
    agent = target_of(value, kinds=AGENT_OWNER_KINDS, what="an assignee", path=path)
    if await nodes.missing_uids(tx, uids=[agent]):
        raise BadInputError(f"no {agent}", path=path)
    return agent


async def open_incident(
    graph: Graph, *, actor: Actor, targets: Sequence[str], title: str, severity: Severity,
    reason: str, key: str | None = None, assignee: str | None = None,
    monitor: str | None = None, opened_at: datetime | None = None,
) -> Incident:  # fmt: skip
    """Open an incident by hand about monitorable targets (ids already checked by kind);
    with `monitor`, its breaches extend this incident while it is open."""
    key = key or f"incident-{uuid4().hex[:12]}"
    at = opened_at or nodes.now()

    async def work(tx: WriteTx) -> Incident:
        for missing in await nodes.missing_uids(tx, uids=targets):
            raise BadInputError(
                f"no node {missing}", path=["input", "targets", list(targets).index(missing)]
            )
        who = await _check_agent(tx, assignee, ["input", "assignee"])
        if monitor is not None:
            found = (await store.lock_monitors(tx, keys=[monitor])).get(monitor)
            if found is None:
                raise BadInputError(f"no monitor {monitor!r}", path=["input", "monitor"])
            if found.open_incident is not None:
                raise BadInputError(
                    f"monitor {monitor!r} has incident {found.open_incident.key!r} open: "
                    "transition it, or open one without the monitor",
                    path=["input", "monitor"],
                )
        if await store.lock_incident(tx, key=key) is not None:
            raise BadInputError(f"incident {key!r} exists", path=["input", "key"])
        incident = Incident(
            key=key, title=title, status=IncidentStatus.OPEN, severity=severity,
            opened_at=at, opened_by=actor.uid, automatic=False, assignee=who,
            history=(Transition(IncidentStatus.OPEN, at, actor.uid, reason, severity, who),),
        )  # fmt: skip
        await store.write_incidents(
            tx, writes=[IncidentWrite(incident, about=targets, monitor=monitor)]
        )
        after = {**_summary(incident), "title": title, "about": list(targets),
                 "monitor": monitor, "opened_at": at}  # fmt: skip
        change = Change("incident.open", incident_target(key), None, after, reason)
        await audit.record(tx, actor=actor, changes=[change])
        return incident

    await graph.write(work)
    (stored,) = await store.incidents_by_key(graph, keys=[key])
    return stored


async def transition_incident(
    graph: Graph, *, actor: Actor, key: str, change: IncidentChange, fixed_by: str | None = None
) -> Incident:
    """Move an incident to another status by the transition table, with a reason, maybe a
    new severity or assignee; audited with before and after. A resolution may point at what
    fixed it (`fixed_by`: a ModelVersion or Deployment id)."""
    if fixed_by is not None and change.status is not IncidentStatus.RESOLVED:
        raise BadInputError("fixedBy is for a move to RESOLVED", path=["input", "fixedBy"])

    async def work(tx: WriteTx) -> None:
        incident = await store.lock_incident(tx, key=key)
        if incident is None:
            raise BadInputError(f"no incident {key!r}", path=["input", "incident"])
        check_transition(incident.status, change.status, path=["input", "status"])
        who = await _check_agent(tx, change.assignee, ["input", "assignee"])
        fixer = None
        if fixed_by is not None:
            fixer = await incident_links.check_fixer(tx, fixed_by, path=["input", "fixedBy"])
        at = nodes.now()
        closed = change.status in (IncidentStatus.RESOLVED, IncidentStatus.DISMISSED)
        severity = change.severity or incident.severity
        assignee = who or incident.assignee
        after = replace(
            incident, status=change.status, severity=severity, assignee=assignee,
            closed_at=at if closed else None,
            history=(*incident.history,
                     Transition(change.status, at, actor.uid, change.reason, severity, assignee)),
        )  # fmt: skip
        await store.write_incidents(tx, writes=[IncidentWrite(after)])
        summary = _summary(after)
        if fixer is not None:
            await incident_links.link_fixed_by(tx, incident=key, fixed_by=fixer)
            summary = {**summary, "fixed_by": fixer}
        event = Change(f"incident.{change.status.value}", incident_target(key),
                       _summary(incident), summary, change.reason)  # fmt: skip
        await audit.record(tx, actor=actor, changes=[event])

    await graph.write(work)
    (stored,) = await store.incidents_by_key(graph, keys=[key])
    return stored


async def incident(graph: Graph, *, key: str) -> Incident | None:
    """One incident by key; None when there is none."""
    found = await store.incidents_by_key(graph, keys=[key])
    return found[0] if found else None


async def health(graph: Graph, *, target: str, at: datetime, limit: int) -> Health | None:
    """The target's monitors with their latest observation at `at`, and its incidents open
    then; None for an unknown target."""
    return await store.health(graph, target=target, at=at, limit=limit)


__all__ = ["IncidentFilter", "health", "incident", "judge", "open_incident",
           "transition_incident"]  # fmt: skip
