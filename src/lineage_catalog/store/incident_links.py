"""Incidents back in lineage (graph/queries/monitoring/): the runs addressing them, the
lifecycle changes citing them, what fixed them. Writes run inside the caller's
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lineage_catalog.domain.monitoring import Monitor, Observation
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.lifecycle import utc
from lineage_catalog.store.monitoring import to_monitor, to_observation
from lineage_catalog.store.nodes import decode_props, now


@dataclass(frozen=True, slots=True)
class Citation:
    """A lifecycle change that cited an incident, on the model version it acted on."""

    action: str  # the audit action: approval.request, serving.promote, ...
    at: datetime
    by: str
    reason: str | None
    model_version: str  # the version's key
    approval: str | None
    deployment: str | None  # the deployment's key


@dataclass(frozen=True, slots=True)
class IncidentLinks:
    """What an incident led to: runs addressing it (uids), citations, what fixed it (uids)."""

    addressed_by: tuple[str, ...] = ()
    cited_by: tuple[Citation, ...] = ()
    fixed_by: tuple[str, ...] = ()


async def lock_incident_keys(tx: WriteTx, *, keys: Sequence[str]) -> set[str]:
    """The keys among `keys` that name an incident, each locked until the transaction ends."""
    rows = await tx.run("monitoring/lock_incident_keys", keys=sorted(set(keys)))
    return {row["key"] for row in rows}


async def link_addresses(tx: WriteTx, *, run: str, keys: Sequence[str]) -> tuple[int, int]:
    """Make the run (uid) address exactly these incidents: (links added, links removed)."""
    rows = await tx.run("monitoring/link_addresses", run=run, keys=sorted(set(keys)), now=now())
    return (int(rows[0]["added"]), int(rows[0]["removed"])) if rows else (0, 0)


async def cite_incident(
    tx: WriteTx, *, incident: str, action: str, by: str, reason: str | None,
    model_version: str, approval: str | None = None, deployment: str | None = None,
) -> None:  # fmt: skip
    """Record that a lifecycle change on a model version (uid) cited the incident."""
    await tx.run(
        "monitoring/cite_incident", incident=incident, action=action, by=by, reason=reason,
        model_version=model_version, approval=approval, deployment=deployment, now=now(),
    )  # fmt: skip


async def link_fixed_by(tx: WriteTx, *, incident: str, fixed_by: str) -> None:
    """Point the incident at what fixed it (a node's uid)."""
    await tx.run("monitoring/link_fixed_by", incident=incident, fixed_by=fixed_by, now=now())


async def incident_links(graph: Graph, *, keys: Sequence[str]) -> dict[str, IncidentLinks]:
    """Each incident's links, by key (one statement for all keys)."""
    rows = await graph.read_collected("monitoring/incident_links", keys=list(keys))
    return {
        row["key"]: IncidentLinks(
            addressed_by=tuple(row["addressed_by"]),
            cited_by=tuple(_citation(decode_props(c)) for c in row["cited_by"]),
            fixed_by=tuple(row["fixed_by"]),
        )
        for row in rows
    }


def _citation(c: dict[str, Any]) -> Citation:
    return Citation(
        action=c["action"], at=utc(c["at"]), by=c["by"], reason=c.get("reason"),
        model_version=c["model_version"], approval=c.get("approval"),
        deployment=c.get("deployment"),
    )  # fmt: skip


async def incidents_of_versions(graph: Graph, *, uids: Sequence[str]) -> dict[str, list[str]]:
    """The keys of the incidents tied to each model version (uid), one statement."""
    rows = await graph.read_collected("monitoring/incidents_of_versions", uids=list(uids))
    return {row["uid"]: sorted(row["keys"]) for row in rows}


@dataclass(frozen=True, slots=True)
class ReportMonitor:
    """A monitor in a version's report, with what it watches (uid) and its latest
    observations, oldest first."""

    monitor: Monitor
    target: str
    observations: tuple[Observation, ...]


async def report_monitoring(
    graph: Graph, *, uid: str, limit: int, observations: int
) -> tuple[list[ReportMonitor], list[str]]:
    """The monitors of a version's report and the keys of the incidents they raised (one
    statement; see report_monitoring.cypher for which monitors)."""
    rows = await graph.read(
        "monitoring/report_monitoring", uid=uid, limit=limit, observations=observations
    )
    if not rows:
        return [], []
    monitors = [
        ReportMonitor(
            monitor=to_monitor(m["monitor"]),
            target=m["target"],
            observations=tuple(reversed([to_observation(o) for o in m["observations"]])),
        )
        for m in rows[0]["monitors"]
    ]
    return monitors, list(rows[0]["incidents"])
