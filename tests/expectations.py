"""Answers computed independently of the catalog's queries: networkx over the generator's
own record of the nodes and edges it created."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import networkx as nx

from lineage_catalog.demo import GeneratedCatalog


class Expected:
    """Lineage facts of a generated catalog."""

    def __init__(self, catalog: GeneratedCatalog, *, now: datetime) -> None:
        self.now = now
        self.nodes = {n.uid: n for n in catalog.nodes}
        self.edges = catalog.edges
        # Upstream graph: entity -> run that generated it -> what that run used.
        self.upstream_graph = nx.DiGraph()
        for e in catalog.edges:
            if e.rel.value == "GENERATED":
                self.upstream_graph.add_edge(e.target, e.source)
            elif e.rel.value == "USED":
                self.upstream_graph.add_edge(e.source, e.target)

    def by_kind(self, kind: str) -> list[Any]:
        return [n for n in self.nodes.values() if n.kind.value == kind]

    def _valid(self, props: dict[str, Any]) -> bool:
        start, end = props.get("valid_from"), props.get("valid_to")
        return (start is None or start <= self.now) and (end is None or end > self.now)

    def upstream(self, uid: str) -> set[str]:
        if uid not in self.upstream_graph:
            return set()
        return set(nx.descendants(self.upstream_graph, uid))

    def out(self, rel: str, source: str) -> list[str]:
        return [e.target for e in self.edges if e.rel.value == rel and e.source == source]

    def into(self, rel: str, target: str) -> list[str]:
        return [e.source for e in self.edges if e.rel.value == rel and e.target == target]

    def current_owners(self, target: str) -> set[tuple[str, str]]:
        return {
            (e.source, e.props["role"])
            for e in self.edges
            if e.rel.value == "OWNS" and e.target == target and self._valid(e.props)
        }

    def owned_by(self, owner: str) -> set[tuple[str, str]]:
        return {
            (e.target, e.props["role"])
            for e in self.edges
            if e.rel.value == "OWNS" and e.source == owner and self._valid(e.props)
        }

    def current_serving(self, deployment: str) -> set[tuple[str, str]]:
        return {
            (e.target, e.props["role"])
            for e in self.edges
            if e.rel.value == "SERVED" and e.source == deployment and self._valid(e.props)
        }
