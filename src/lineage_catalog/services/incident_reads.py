"""Monitoring questions: the incidents open on a trace at a prediction's time, what an
incident touched (predictions per deployment while it was open), what it flags downstream
(with the lineage path, as classifications are traced), computed at query time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lineage_catalog.store import monitoring_reads as store
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.monitoring_reads import OpenIncident


async def incidents_open_on(
    graph: Graph, *, uids: Sequence[str], at: datetime, limit: int
) -> list[OpenIncident]:
    """The incidents open at `at` about any node of uids (a dataset's about each of its
    versions), newest opened first (one statement)."""
    return await store.open_incidents_about(graph, uids=uids, at=at, limit=limit)
