"""The monitoring section of the compliance report: a version's monitors with their
observations over time, and its incidents with their decisions and what they led to."""

from __future__ import annotations

import strawberry

from lineage_catalog.api.graphql.monitoring import Incident, Monitor, Observation
from lineage_catalog.services import incident_links
from lineage_catalog.store.graph import Graph

# Enough for a chart per monitor and a readable table; older values stay in the catalog.
REPORT_OBSERVATIONS = 52


@strawberry.type(description="A monitor in a compliance report, with its values over time.")
class ReportMonitor:
    monitor: Monitor = strawberry.field(description="The monitor.")
    observations: list[Observation] = strawberry.field(
        description=f"Its latest observations (at most {REPORT_OBSERVATIONS}), oldest first."
    )


@strawberry.type(
    description="What monitoring knows of a model version: the monitors watching it, a "
    "deployment that served it, or what its training used; and its incidents."
)
class MonitoringSection:
    monitors: list[ReportMonitor] = strawberry.field(description="The monitors, by key.")
    incidents: list[Incident] = strawberry.field(
        description="Incidents tied to the version (about it, cited by its changes, fixed by "
        "it, addressed by the run that trained it) or raised by those monitors, newest first."
    )


async def monitoring_section(graph: Graph, *, model_version: str, limit: int) -> MonitoringSection:
    """The section for a model version (uid)."""
    monitors, incidents = await incident_links.report_monitoring(
        graph, model_version=model_version, limit=limit, observations=REPORT_OBSERVATIONS
    )
    return MonitoringSection(
        monitors=[
            ReportMonitor(
                monitor=Monitor.from_domain(m.monitor),
                observations=[Observation.from_domain(o) for o in m.observations],
            )
            for m in monitors
        ],
        incidents=[Incident.from_domain(i) for i in incidents],
    )
