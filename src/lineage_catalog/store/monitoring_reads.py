"""Monitoring questions in Neo4j (graph/queries/monitoring/): the incidents open on a set of
nodes at a time (a trace's), an incident's impact on predictions, and the health of many
nodes at once. One statement each, whatever the number of nodes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lineage_catalog.domain.monitoring import Incident
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.monitoring import EVIDENCE_LIMIT, to_incident


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
        "monitoring/open_incidents_about", uids=list(dict.fromkeys(uids)), at=at,
        limit=limit, evidence_limit=EVIDENCE_LIMIT,
    )  # fmt: skip
    return [
        OpenIncident(to_incident(r), tuple((t["node"], t["subject"]) for t in r["ties"]))
        for r in rows
    ]
