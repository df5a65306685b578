"""Per-request GraphQL context: the graph, settings, request id and DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.fastapi import BaseContext

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
    loaders: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
