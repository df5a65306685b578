"""Monitoring questions in Neo4j (graph/queries/monitoring/): the incidents open on a set of
nodes at a time (a trace's), an incident's impact on predictions, and the health of many
nodes at once. One statement each, whatever the number of nodes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lineage_catalog.domain.model import NodeRecord
from lineage_catalog.domain.monitoring import Incident
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.lifecycle import utc
from lineage_catalog.store.monitoring import EVIDENCE_LIMIT, to_incident
from lineage_catalog.store.nodes import in_utc, native, to_node


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An incident open at a time, with the pairs (node asked about, node it is about)
    that tie it to the nodes asked about."""

    incident: Incident
    ties: tuple[tuple[str, str], ...]


async def open_incidents_about(
    graph: Graph, *, uids: Sequence[str], at: datetime, limit: int
) -> list[OpenIncident]:
    """Incidents open at `at` about any of uids (or a dataset of a version among them),
    newest opened first, at most limit (one statement)."""
    if not uids:
        return []
    rows = await graph.read_collected(
        "monitoring/open_incidents_about", uids=list(dict.fromkeys(uids)), at=in_utc(at),
        limit=limit, evidence_limit=EVIDENCE_LIMIT,
    )  # fmt: skip
    return [
        OpenIncident(to_incident(r), tuple((t["node"], t["subject"]) for t in r["ties"]))
        for r in rows
    ]


async def versions_of_datasets(graph: Graph, *, uids: Sequence[str]) -> dict[str, list[str]]:
    """The version uids of each Dataset among uids, by dataset uid (one statement)."""
    if not uids:
        return {}
    rows = await graph.read_collected("monitoring/versions_of_datasets", uids=list(uids))
    return {r["dataset"]: list(r["versions"]) for r in rows}


@dataclass(frozen=True, slots=True)
class ImpactWindow:
    """What to count for one incident: its open interval [start, end) and what it affects."""

    key: str
    start: datetime
    end: datetime
    deployments: Sequence[str]
    model_versions: Sequence[str]


@dataclass(frozen=True, slots=True)
class DeploymentCount:
    """Predictions one deployment made within an incident's window: all of them when the
    incident is about it (`about`), else those of the affected model versions listed."""

    incident: str
    deployment: str
    record: NodeRecord | None
    about: bool
    model_versions: tuple[str, ...]
    predictions: int
    first: datetime | None
    last: datetime | None


async def incident_impact(
    graph: Graph, *, windows: Sequence[ImpactWindow]
) -> dict[str, list[DeploymentCount]]:
    """Per incident, the predictions per deployment within its window (one statement, index
    ranges on (deployment, time) and (model_version, time)), deployments in key order."""
    rows = [
        {"key": w.key, "from": in_utc(w.start), "to": in_utc(w.end),
         "deployments": list(w.deployments), "model_versions": list(w.model_versions)}
        for w in windows
    ]  # fmt: skip
    found: dict[str, list[DeploymentCount]] = {w.key: [] for w in windows}
    if not rows:
        return found
    for r in await graph.read_collected("monitoring/incident_impact", rows=rows):
        found[r["incident"]].append(DeploymentCount(
            incident=r["incident"], deployment=r["key"],
            record=to_node(r["deployment"]) if r["deployment"] else None, about=r["about"],
            model_versions=tuple(r["model_versions"]), predictions=int(r["predictions"]),
            first=_time(r["first"]), last=_time(r["last"]),
        ))  # fmt: skip
    return found


def _time(value: object) -> datetime | None:
    return None if value is None else utc(native(value))


async def deployments_serving(
    graph: Graph, *, uids: Sequence[str], at: datetime
) -> dict[str, list[NodeRecord]]:
    """The deployments serving each model version of uids at `at`, by version uid, in key
    order (one statement)."""
    found: dict[str, list[NodeRecord]] = {}
    if not uids:
        return found
    rows = await graph.read_collected(
        "monitoring/deployments_serving", uids=sorted(set(uids)), at=in_utc(at)
    )
    for r in rows:
        found.setdefault(r["model_version"], []).append(to_node(r["deployment"]))
    return found
