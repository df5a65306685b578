"""Monitoring questions in GraphQL: the incidents open on a prediction trace at its time,
an incident's impact and what it flags downstream, and productionView's monitoring. The
resolvers translate arguments and call services/incident_reads.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.loaders import Loaders
from lineage_catalog.api.graphql.monitoring import Health, Incident, health_type
from lineage_catalog.api.graphql.pagination import checked_depth
from lineage_catalog.api.graphql.types import CatalogNode, Deployment, to_type
from lineage_catalog.domain import monitoring as rules
from lineage_catalog.domain.model import Kind, NodeRecord, uid
from lineage_catalog.services import incident_reads as service
from lineage_catalog.services import lineage
from lineage_catalog.store import monitoring as stored

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


@strawberry.type(description="The predictions one deployment made while an incident was open.")
class IncidentDeploymentImpact:
    deployment: Deployment | None = strawberry.field(description="The deployment.")
    about: bool = strawberry.field(
        description="The incident is about this deployment: every prediction it made while "
        "the incident was open counts; else only those of the affected model versions."
    )
    model_versions: list[strawberry.ID] = strawberry.field(
        description="The affected model versions whose predictions count here (empty when `about`)."
    )
    prediction_count: int = strawberry.field(description="How many predictions.")
    first_prediction: datetime | None = strawberry.field(
        description="When the first of them was made; null when there are none."
    )
    last_prediction: datetime | None = strawberry.field(
        description="When the last of them was made; null when there are none."
    )


@strawberry.type(description="What an incident touched while it was open: counts, not rows.")
class IncidentImpact:
    opened_at: datetime = strawberry.field(description="The start of the window counted (UTC).")
    closed_at: datetime | None = strawberry.field(
        description="Its end, excluded (UTC); null: still open, counted up to the request's now."
    )
    model_versions: list[strawberry.ID] = strawberry.field(
        description="The model versions it affects: about them or downstream of what it is "
        "about, in id order."
    )
    deployments: list[IncidentDeploymentImpact] = strawberry.field(
        description="Per deployment that made predictions counted (and every deployment it "
        "is about), in key order."
    )

    @strawberry.field(description="The predictions counted, in all.")
    def prediction_count(self) -> int:
        return sum(d.prediction_count for d in self.deployments)


class _ReadLoaders:
    """Per-request loaders: every incident's impact of a request in one batch."""

    def __init__(self, context: Context) -> None:
        self.incidents: dict[str, rules.Incident] = {}

        async def impacts(keys: Sequence[tuple[str, int]]) -> list[service.IncidentImpact]:
            found: dict[tuple[str, int], service.IncidentImpact] = {}
            for depth in sorted({d for _, d in keys}):
                chosen = [self.incidents[k] for k, d in dict.fromkeys(keys) if d == depth]
                answers = await service.incident_impacts(
                    context.graph, incidents=chosen, depth=depth, now=context.loaders.at
                )
                found.update({(k, depth): v for k, v in answers.items()})
            return [found[k] for k in keys]

        self.impacts: DataLoader[tuple[str, int], service.IncidentImpact] = DataLoader(
            load_fn=impacts
        )

        async def flags(keys: Sequence[tuple[str, int, datetime]]) -> list[list[service.Flag]]:
            found: dict[tuple[str, int, datetime], list[service.Flag]] = {}
            for depth, at in sorted({(d, a) for _, d, a in keys}):
                chosen = [self.incidents[k] for k, d, a in dict.fromkeys(keys)
                          if (d, a) == (depth, at)]  # fmt: skip
                answers = await service.incident_flags(
                    context.graph, incidents=chosen, depth=depth, at=at
                )
                found.update({(k, depth, at): v for k, v in answers.items()})
            return [found[k] for k in keys]

        self.flags: DataLoader[tuple[str, int, datetime], list[service.Flag]] = DataLoader(
            load_fn=flags
        )

        async def health(keys: Sequence[tuple[str, datetime]]) -> list[stored.Health | None]:
            found: dict[tuple[str, datetime], stored.Health] = {}
            for at in sorted({a for _, a in keys}):
                answers = await service.health_of_targets(
                    context.graph, targets=[u for u, a in dict.fromkeys(keys) if a == at],
                    at=at, limit=context.settings.max_page_size,
                )  # fmt: skip
                found.update({(u, at): h for u, h in answers.items()})
            return [found.get(k) for k in keys]

        self.health: DataLoader[tuple[str, datetime], stored.Health | None] = DataLoader(
            load_fn=health
        )


_BY_REQUEST: WeakKeyDictionary[Loaders, _ReadLoaders] = WeakKeyDictionary()


def _loaders(info: Info[Context, None]) -> _ReadLoaders:
    # Keyed by the request's Loaders, so a mutation that renews them renews these too.
    found = _BY_REQUEST.get(info.context.loaders)
    if found is None:
        found = _BY_REQUEST[info.context.loaders] = _ReadLoaders(info.context)
    return found


async def incident_impact(
    info: Info[Context, None], incident: rules.Incident, depth: int | None
) -> IncidentImpact:
    """An incident's impact, batched with every other incident's of the request."""
    loaders = _loaders(info)
    loaders.incidents[incident.key] = incident
    found = await loaders.impacts.load((incident.key, checked_depth(info.context.settings, depth)))
    return IncidentImpact(
        opened_at=found.start, closed_at=found.end,
        model_versions=[strawberry.ID(u) for u in found.model_versions],
        deployments=[
            IncidentDeploymentImpact(
                deployment=to_type(d.record) if d.record else None,  # type: ignore[arg-type]
                about=d.about, model_versions=[
                    strawberry.ID(uid(Kind.MODEL_VERSION, k)) for k in d.model_versions],
                prediction_count=d.predictions, first_prediction=d.first,
                last_prediction=d.last,
            )
            for d in found.deployments
        ],
    )  # fmt: skip


@strawberry.type(description="A model version or deployment an incident flags downstream.")
class IncidentFlag:
    node: CatalogNode = strawberry.field(description="The model version or deployment.")
    path: list[strawberry.ID] = strawberry.field(
        description="Ids from the node the incident is about to this one along lineage (a "
        "dataset, its version, the runs and versions between, a deployment serving the "
        "last), both included; the shortest such path."
    )


async def incident_flags(
    info: Info[Context, None], incident: rules.Incident, depth: int | None, at: datetime | None
) -> list[IncidentFlag]:
    """What an incident flags, batched with every other incident's of the request."""
    loaders = _loaders(info)
    loaders.incidents[incident.key] = incident
    key = (incident.key, checked_depth(info.context.settings, depth), at or info.context.loaders.at)
    found = await loaders.flags.load(key)
    flags = []
    for f in found:
        node: Any = to_type(f.node)
        flags.append(IncidentFlag(node=node, path=[strawberry.ID(u) for u in f.path]))
    return flags


@strawberry.type(description="An incident open upstream of a node and the lineage path to it.")
class IncidentPath:
    incident: Incident = strawberry.field(description="The incident.")
    subject: CatalogNode = strawberry.field(
        description="What it is about: the node itself or one upstream (a dataset counts for "
        "its versions)."
    )
    path: list[strawberry.ID] = strawberry.field(
        description="Ids from the node asked about to the subject along lineage, both "
        "included; the shortest such path. From a deployment the path goes through the "
        "model version it serves."
    )


async def incidents_upstream(
    info: Info[Context, None], *, id: str, depth: int | None, as_of: datetime | None
) -> list[IncidentPath]:
    """The incidents open at asOf (now) about a node or anything upstream, with paths."""
    ctx = info.context
    at = as_of or ctx.loaders.at
    start = await lineage.start_of(ctx.graph, uid=id, serving_at=at)
    # Lineage as recorded now: asOf is when the incidents are open (and what a deployment
    # serves), not which runs were known then.
    up = await ctx.loaders.upstream.load(
        (tuple(start.uids), checked_depth(ctx.settings, depth), None)
    )
    found = await service.incidents_upstream(
        ctx.graph, start=start, up=up, at=at, limit=ctx.settings.max_page_size
    )
    records = {n.uid: n for n in [*up.nodes, *(start.points or [])]}
    records.update({n.uid: n for p in found for n in p.incident.about})
    return [
        IncidentPath(incident=Incident.from_domain(p.incident), subject=to_type(records[p.subject]),
                     path=[strawberry.ID(u) for u in p.path])
        for p in found if p.subject in records
    ]  # fmt: skip


async def node_health(
    info: Info[Context, None], node: NodeRecord, as_of: datetime | None
) -> Health | None:
    """A node's health at asOf (the request's now), batched with every other node's of the
    request: productionView's deployments cost one statement together."""
    at = as_of or info.context.loaders.at
    found = await _loaders(info).health.load((node.uid, at))
    return health_type(found, at) if found is not None else None
