"""Catalog-wide reads."""

from __future__ import annotations

from lineage_catalog.domain.catalog import CatalogStats
from lineage_catalog.store.graph import Graph


async def catalog_stats(graph: Graph) -> CatalogStats:
    """How many nodes of each main kind the catalog holds."""
    (row,) = await graph.read("catalog/catalog_stats")
    return CatalogStats(**{k: int(v) for k, v in row.items()})
