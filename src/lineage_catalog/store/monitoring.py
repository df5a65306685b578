"""Monitors, observations, profiles and incidents in Neo4j (graph/queries/monitoring/).
Write functions run inside the caller's transaction; every property passes encode_props."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lineage_catalog.domain.drift import ColumnProfile
from lineage_catalog.domain.model import NodeRecord
from lineage_catalog.domain.monitoring import (
    BreachDirection,
    Incident,
    IncidentStatus,
    Monitor,
    MonitorType,
    Observation,
    Severity,
    Transition,
)
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.lifecycle import utc
from lineage_catalog.store.nodes import decode_props, encode_props, now, to_node

EVIDENCE_LIMIT = 100


def to_monitor(raw: Mapping[str, Any]) -> Monitor:
    """A stored monitor's properties as a Monitor."""
    props = decode_props(raw)
    created = props.get("created_at")
    return Monitor(
        key=raw["key"], target=props["target"], type=MonitorType(props["type"]),
        metric=props["metric"], threshold=float(props["threshold"]),
        direction=BreachDirection(props["direction"]), severity=Severity(props["severity"]),
        column=props.get("column"), window_s=props.get("window_s"), owner=props.get("owner"),
        reference=props.get("reference"), resolve_after=props.get("resolve_after"),
        description=props.get("description"), created_at=utc(created) if created else None,
    )  # fmt: skip


def _time(value: Any) -> datetime | None:
    return None if value is None else utc(value)


def to_observation(raw: Mapping[str, Any]) -> Observation:
    """A stored observation's properties as an Observation."""
    props = decode_props(raw)
    observed = _time(props["observed_at"])
    assert observed is not None
    return Observation(
        key=raw["key"], monitor=props["monitor"], value=float(props["value"]),
        observed_at=observed, breached=bool(props.get("breached")),
        source=props.get("source") or "client", window_start=_time(props.get("window_start")),
        window_end=_time(props.get("window_end")), details=props.get("details"),
        recorded_at=_time(props.get("recorded_at")),
    )  # fmt: skip


def _transition(raw: Mapping[str, Any]) -> Transition:
    return Transition(
        status=IncidentStatus(raw["status"]), at=utc(datetime.fromisoformat(raw["at"])),
        by=raw["by"], reason=raw.get("reason"), severity=Severity(raw["severity"]),
        assignee=raw.get("assignee"),
    )  # fmt: skip


def to_incident(row: Mapping[str, Any]) -> Incident:
    """An incident row (incidents_by_key's shape) as an Incident."""
    props = decode_props(row["incident"])
    opened = _time(props["opened_at"])
    assert opened is not None
    return Incident(
        key=row["incident"]["key"], title=props.get("title") or "",
        status=IncidentStatus(props["status"]), severity=Severity(props["severity"]),
        opened_at=opened, opened_by=props.get("opened_by") or "",
        automatic=bool(props.get("automatic")), assignee=props.get("assignee"),
        closed_at=_time(props.get("closed_at")), last_breach_at=_time(props.get("last_breach_at")),
        breaches=int(props.get("breaches") or 0),
        healthy_streak=int(props.get("healthy_streak") or 0), monitor=row.get("monitor"),
        about=tuple(to_node(t) for t in row.get("about") or ()),
        evidence=tuple(to_observation(o) for o in row.get("evidence") or ()),
        evidence_count=int(row.get("evidence_count") or 0),
        history=tuple(_transition(t) for t in props.get("history") or ()),
    )  # fmt: skip


def incident_props(incident: Incident) -> dict[str, Any]:
    """What write_incidents stores of an incident (links apart)."""
    history = [
        {"status": t.status.value, "at": t.at.isoformat(), "by": t.by, "reason": t.reason,
         "severity": t.severity.value, "assignee": t.assignee}
        for t in incident.history
    ]  # fmt: skip
    return {
        "title": incident.title, "status": incident.status.value,
        "severity": incident.severity.value, "opened_at": incident.opened_at,
        "opened_by": incident.opened_by, "automatic": incident.automatic,
        "assignee": incident.assignee, "closed_at": incident.closed_at,
        "last_breach_at": incident.last_breach_at, "breaches": incident.breaches,
        "healthy_streak": incident.healthy_streak, "history": history,
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class LockedMonitor:
    """A monitor locked for the transaction, with the incident it has open."""

    monitor: Monitor
    open_incident: Incident | None


async def lock_monitors(tx: WriteTx, *, keys: Sequence[str]) -> dict[str, LockedMonitor]:
    """The monitors among keys, locked until the transaction ends, by key."""
    rows = await tx.run("monitoring/lock_monitors", keys=sorted(set(keys)))
    found = {}
    for row in rows:
        monitor = to_monitor(row["monitor"])
        open_rows = row["open"]
        incident = to_incident({"incident": open_rows[0]}) if open_rows else None
        found[monitor.key] = LockedMonitor(monitor, incident)
    return found


async def merge_monitor(
    tx: WriteTx, *, monitor: Monitor, actor: str
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Create or update the monitor: (stored properties before or None, after)."""
    reference = monitor.reference or ""
    (row,) = await tx.run(
        "monitoring/merge_monitor", key=monitor.key, target=monitor.target,
        props=encode_props(monitor.props()), actor=actor, now=now(),
        reference=None if reference.startswith("Profile:") else monitor.reference,
        reference_profile=reference.removeprefix("Profile:") if reference else None,
    )  # fmt: skip
    return row["before"], row["monitor"]


async def monitors_by_key(graph: Graph, *, keys: Sequence[str]) -> list[tuple[Monitor, NodeRecord]]:
    """Monitors by key with the node each watches."""
    rows = await graph.read_collected("monitoring/monitors_by_key", keys=list(keys))
    return [(to_monitor(r["monitor"]), to_node(r["target"])) for r in rows]


async def stored_values(tx: WriteTx, *, keys: Sequence[str]) -> dict[str, float]:
    """The values of the observations among keys that are stored, by key."""
    rows = await tx.run("monitoring/observations_by_key", keys=sorted(set(keys)))
    return {row["key"]: float(row["value"]) for row in rows}


async def create_observations(tx: WriteTx, *, observations: Sequence[Observation]) -> None:
    """Store new observations (their keys unused, their monitors locked)."""
    rows = [
        {"key": o.key, "monitor": o.monitor, "props": encode_props({
            "value": o.value, "observed_at": o.observed_at, "breached": o.breached,
            "source": o.source, "window_start": o.window_start, "window_end": o.window_end,
            "details": o.details,
        })}
        for o in observations
    ]  # fmt: skip
    if rows:
        await tx.run("monitoring/create_observations", rows=rows, now=now())


@dataclass(frozen=True, slots=True)
class IncidentWrite:
    """An incident's new state and the links to add."""

    incident: Incident
    about: Sequence[str] = ()
    evidence: Sequence[str] = ()
    monitor: str | None = None


async def write_incidents(tx: WriteTx, *, writes: Sequence[IncidentWrite]) -> None:
    """Create or update incidents and add their links."""
    rows = [
        {"key": w.incident.key, "props": encode_props(incident_props(w.incident)),
         "about": list(w.about), "evidence": list(w.evidence), "monitor": w.monitor}
        for w in writes
    ]  # fmt: skip
    if rows:
        await tx.run("monitoring/write_incidents", rows=rows, now=now())


async def lock_incident(tx: WriteTx, *, key: str) -> Incident | None:
    """The incident, locked until the transaction ends; None when there is none."""
    rows = await tx.run("monitoring/lock_incident", key=key)
    return to_incident({"incident": rows[0]["incident"]}) if rows else None


async def incidents_by_key(graph: Graph, *, keys: Sequence[str]) -> list[Incident]:
    """Incidents by key with targets, monitor and latest evidence (one statement)."""
    rows = await graph.read_collected(
        "monitoring/incidents_by_key", keys=list(keys), evidence_limit=EVIDENCE_LIMIT
    )
    return [to_incident(r) for r in rows]


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    statuses: list[str] | None = None
    severities: list[str] | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def params(self) -> dict[str, Any]:
        return {"statuses": self.statuses, "severities": self.severities,
                "target": self.target, "since": self.since, "until": self.until}  # fmt: skip


async def incidents_page(
    graph: Graph, *, where: IncidentFilter, after: tuple[datetime, str] | None, limit: int
) -> tuple[list[Incident], bool]:
    """A page of incidents, newest opened first, and whether more follow."""
    rows = await graph.read_collected(
        "monitoring/incidents_page", **where.params(), limit=limit,
        after_time=after[0] if after else None, after_key=after[1] if after else None,
        evidence_limit=EVIDENCE_LIMIT,
    )  # fmt: skip
    found = [to_incident(r) for r in rows]
    return found[:limit], len(found) > limit


async def incidents_count(graph: Graph, *, where: IncidentFilter) -> int:
    (row,) = await graph.read("monitoring/incidents_count", **where.params())
    return int(row["total"])


@dataclass(frozen=True, slots=True)
class MonitorHealth:
    monitor: Monitor
    latest: Observation | None


@dataclass(frozen=True, slots=True)
class Health:
    target: NodeRecord
    monitors: list[MonitorHealth]
    incidents: list[Incident]


async def health(graph: Graph, *, target: str, at: datetime, limit: int) -> Health | None:
    """Monitors of target with their latest observation at `at`, and the incidents open
    then (one statement); None when there is no such node."""
    found = await health_of_targets(graph, targets=[target], at=at, limit=limit)
    return found.get(target)


async def health_of_targets(
    graph: Graph, *, targets: Sequence[str], at: datetime, limit: int
) -> dict[str, Health]:
    """`health` of each node of targets that exists, by uid (one statement for all)."""
    rows = await graph.read_collected(
        "monitoring/health_of_targets", targets=list(targets), at=at.astimezone(UTC),
        limit=limit, evidence_limit=EVIDENCE_LIMIT,
    )  # fmt: skip
    found = {}
    for row in rows:
        monitors = [
            MonitorHealth(to_monitor(m["monitor"]),
                          to_observation(m["latest"]) if m["latest"] else None)
            for m in row["monitors"]
        ]  # fmt: skip
        target = to_node(row["target"])
        found[target.uid] = Health(target, monitors, [to_incident(i) for i in row["incidents"]])
    return found


@dataclass(frozen=True, slots=True)
class Profile:
    """A stored profile: of what, when, and its columns."""

    key: str
    subject: str
    observed_at: datetime
    columns: tuple[ColumnProfile, ...]
    window_start: datetime | None = None
    window_end: datetime | None = None

    def column(self, name: str) -> ColumnProfile | None:
        return next((c for c in self.columns if c.name == name), None)

    def content(self) -> dict[str, Any]:
        """What the profile says, as compared when it is sent again."""
        return {
            "subject": self.subject, "observed_at": self.observed_at.isoformat(),
            "window_start": None if self.window_start is None else self.window_start.isoformat(),
            "window_end": None if self.window_end is None else self.window_end.isoformat(),
            "columns": [c.as_dict() for c in self.columns],
        }  # fmt: skip


def to_profile(raw: Mapping[str, Any]) -> Profile:
    props = decode_props(raw)
    observed = _time(props["observed_at"])
    assert observed is not None
    columns = props["columns"]
    return Profile(
        key=raw["key"], subject=props["subject"], observed_at=observed,
        columns=tuple(ColumnProfile.from_dict(c) for c in columns),
        window_start=_time(props.get("window_start")), window_end=_time(props.get("window_end")),
    )  # fmt: skip


async def profiles_by_key(source: Graph | WriteTx, *, keys: Sequence[str]) -> dict[str, Profile]:
    """Stored profiles among keys, by key (in a read, or inside a write)."""
    if isinstance(source, Graph):
        rows = await source.read("monitoring/profiles_by_key", keys=list(keys))
    else:
        rows = await source.run("monitoring/profiles_by_key", keys=list(keys))
    return {row["profile"]["key"]: to_profile(row["profile"]) for row in rows}


async def create_profile(tx: WriteTx, *, profile: Profile) -> None:
    # Columns are stored as one JSON text (columns_json): a profile is read whole.
    props = encode_props({
        "observed_at": profile.observed_at, "window_start": profile.window_start,
        "window_end": profile.window_end, "columns": [c.as_dict() for c in profile.columns],
    })  # fmt: skip
    await tx.run("monitoring/create_profile", key=profile.key, subject=profile.subject,
                 props=props, now=now())  # fmt: skip


async def drift_monitors_of(
    tx: WriteTx, *, subject: str, types: Sequence[str], metrics: Sequence[str]
) -> list[tuple[Monitor, Profile | None]]:
    """The drift monitors a profile of subject feeds, each with its reference profile."""
    rows = await tx.run(
        "monitoring/drift_monitors_of_subject", subject=subject, types=list(types),
        metrics=list(metrics),
    )  # fmt: skip
    return [
        (to_monitor(r["monitor"]), to_profile(r["reference"]) if r["reference"] else None)
        for r in rows
    ]
