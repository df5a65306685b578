"""Per-request GraphQL context: the graph, settings, caller, request id and DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from lineage_catalog.api.graphql.loaders import Loaders
from lineage_catalog.domain.auth import Actor, Interface, Principal
from lineage_catalog.domain.errors import CatalogError, UnauthenticatedError
from lineage_catalog.metrics import Metrics
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph


@dataclass
class Context:
    """What every resolver may use; built anew for each request.

    `principal` is None without a valid token; `auth_error` then says why, and the
    AccessControl extension raises it for anything but introspection.
    """

    graph: Graph
    settings: Settings
    metrics: Metrics
    request_id: str
    principal: Principal | None = None
    auth_error: CatalogError | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(
            self.graph,
            nested_limit=self.settings.max_page_size,
            reader=self.principal.uid if self.principal else "",
            request_id=self.request_id,
        )

    @property
    def actor(self) -> Actor:
        """The caller as recorded on audit events (only reachable once access was checked)."""
        if self.principal is None:
            raise UnauthenticatedError("a valid API token is required")
        return Actor.of(self.principal, interface=Interface.GRAPHQL, request_id=self.request_id)
