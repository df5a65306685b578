"""Per-request GraphQL context: the graph, settings, request id and DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.fastapi import BaseContext

from lineage_catalog.api.graphql.loaders import Loaders
from lineage_catalog.metrics import Metrics
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph


@dataclass
class Context(BaseContext):
    """What every resolver may use; built anew for each request."""

    graph: Graph
    settings: Settings
    metrics: Metrics
    request_id: str
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        super().__init__()
        self.loaders = Loaders(self.graph, nested_limit=self.settings.max_page_size)
