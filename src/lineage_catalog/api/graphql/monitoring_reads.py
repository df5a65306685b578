"""Monitoring questions in GraphQL: the incidents open on a prediction trace at its time,
an incident's impact and what it flags downstream, and productionView's monitoring. The
resolvers translate arguments and call services/incident_reads.py."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from strawberry.types import Info

from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.monitoring import Incident
from lineage_catalog.services import incident_reads as service

if TYPE_CHECKING:
    from lineage_catalog.api.graphql.queries import PredictionTrace


def _trace_uids(trace: PredictionTrace) -> list[str]:
    things: list[Any] = [trace.deployment, trace.model_version, *trace.dataset_versions,
                         *trace.features, *trace.upstream_model_versions]  # fmt: skip
    return [t.record.uid for t in things if t is not None]


async def trace_incidents(info: Info[Context, None], trace: PredictionTrace) -> list[Incident]:
    """The incidents open at the prediction's time (a trace from a model version: at the
    request's now) on the trace's deployment, model version and everything upstream."""
    at = trace.prediction.record.props.get("time") if trace.prediction else None
    if not isinstance(at, datetime):
        at = info.context.loaders.at
    found = await service.incidents_open_on(
        info.context.graph, uids=_trace_uids(trace), at=at,
        limit=info.context.settings.max_page_size,
    )  # fmt: skip
    return [Incident.from_domain(o.incident) for o in found]
