"""Incidents back in lineage, read side: Incident.addressedBy, citedBy, fixedBy and
ModelVersion.incidents. Each field batches every key of a request into one statement
through per-request DataLoaders (kept beside the request's Loaders, renewed with them)."""

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
from lineage_catalog.domain import monitoring as rules
from lineage_catalog.services import incident_links as service
from lineage_catalog.store import monitoring as stored

if TYPE_CHECKING:
    from lineage_catalog.api.graphql.monitoring import Incident
    from lineage_catalog.api.graphql.types import CatalogNode, Run


@strawberry.type(description="A lifecycle change that cited an incident it answers.")
class IncidentCitation:
    action: str = strawberry.field(
        description="The change, as audited: approval.request, approval.approve, "
        "serving.deploy, serving.promote or serving.rollback."
    )
    at: datetime = strawberry.field(description="When (UTC).")
    by: str = strawberry.field(description="Who made the change (an account id).")
    reason: str | None = strawberry.field(description="The change's reason.")
    model_version: str = strawberry.field(
        description="The key of the model version acted on (for a rollback: the one restored)."
    )
    approval: str | None = strawberry.field(description="The approval's key, for an approval.")
    deployment: str | None = strawberry.field(
        description="The deployment's key, for a serving change."
    )

    @staticmethod
    def from_domain(c: service.Citation) -> IncidentCitation:
        return IncidentCitation(
            action=c.action, at=c.at, by=c.by, reason=c.reason, model_version=c.model_version,
            approval=c.approval, deployment=c.deployment,
        )  # fmt: skip


class _IncidentLoaders:
    def __init__(self, context: Context) -> None:
        graph = context.graph

        async def links(keys: Sequence[str]) -> list[service.IncidentLinks]:
            found = await service.links(graph, keys=keys)
            return [found.get(k, service.IncidentLinks()) for k in keys]

        async def of_versions(uids: Sequence[str]) -> list[list[str]]:
            found = await service.incidents_of_versions(graph, uids=uids)
            return [found.get(u, []) for u in uids]

        async def incidents(keys: Sequence[str]) -> list[rules.Incident | None]:
            found = {i.key: i for i in await stored.incidents_by_key(graph, keys=keys)}
            return [found.get(k) for k in keys]

        self.links: DataLoader[str, service.IncidentLinks] = DataLoader(load_fn=links)
        self.of_versions: DataLoader[str, list[str]] = DataLoader(load_fn=of_versions)
        self.incidents: DataLoader[str, rules.Incident | None] = DataLoader(load_fn=incidents)


_BY_REQUEST: WeakKeyDictionary[Loaders, _IncidentLoaders] = WeakKeyDictionary()


def _loaders(info: Info[Context, None]) -> _IncidentLoaders:
    # Keyed by the request's Loaders, so a mutation that renews them renews these too.
    found = _BY_REQUEST.get(info.context.loaders)
    if found is None:
        found = _BY_REQUEST[info.context.loaders] = _IncidentLoaders(info.context)
    return found


async def _nodes(info: Info[Context, None], uids: Sequence[str]) -> list[Any]:
    from lineage_catalog.api.graphql.types import to_type

    records = await info.context.loaders.node.load_many(list(uids))
    return [to_type(r) for r in records if r is not None]


async def addressed_by(info: Info[Context, None], key: str) -> list[Run]:
    """The runs addressing the incident."""
    links = await _loaders(info).links.load(key)
    return await _nodes(info, links.addressed_by)


async def cited_by(info: Info[Context, None], key: str) -> list[IncidentCitation]:
    """The lifecycle changes citing the incident, oldest first."""
    links = await _loaders(info).links.load(key)
    return [IncidentCitation.from_domain(c) for c in links.cited_by]


async def fixed_by(info: Info[Context, None], key: str) -> list[CatalogNode]:
    """What fixed the incident."""
    links = await _loaders(info).links.load(key)
    return await _nodes(info, links.fixed_by)


async def incidents_of_version(info: Info[Context, None], uid: str) -> list[Incident]:
    """The incidents tied to a model version (uid), newest opened first."""
    from lineage_catalog.api.graphql.monitoring import Incident

    loaders = _loaders(info)
    keys = await loaders.of_versions.load(uid)
    found = [i for i in await loaders.incidents.load_many(keys) if i is not None]
    found.sort(key=lambda i: (i.opened_at, i.key), reverse=True)
    return [Incident.from_domain(i) for i in found]
