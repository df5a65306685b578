"""The explorer's reads: one hop of lineage per statement, neighbour counts, and the
classifications that reach each node (graph/queries/explore/)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from lineage_catalog.domain.model import EdgeRecord, Kind, NodeRecord, Rel
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.nodes import property_pairs, to_node


class Hop(StrEnum):
    """A direction of one hop of lineage (the explore queries' `dir`)."""

    UP = "up"
    DOWN = "down"


def sort_key(node: NodeRecord) -> str:
    """The order in which a node's neighbours are paged (explore/neighbours.cypher): predictions
    last, so that a model version's few runs come before its many predictions; then by uid."""
    return ("1" if node.kind is Kind.PREDICTION else "0") + node.uid


@dataclass(frozen=True, slots=True)
class HopPage:
    """The neighbours of `origin` one hop in `hop`, a page of them in sort_key order."""

    origin: str
    hop: Hop
    nodes: list[NodeRecord]
    edges: list[EdgeRecord]
    has_more: bool


async def neighbours(
    graph: Graph,
    *,
    origins: Sequence[tuple[str, Hop]],
    after: str,
    limit: int,
    as_of: datetime | None,
    at: datetime,
) -> list[HopPage]:
    """For each (uid, hop), its neighbours one hop that way: at most `limit` whose sort_key
    follows `after`, and whether more follow (one statement for all origins)."""
    rows = await graph.read_collected(
        "explore/neighbours",
        origins=[{"uid": uid, "dir": hop.value} for uid, hop in origins],
        after=after,
        limit=limit,
        as_of=as_of,
        at=at,
    )
    pages = []
    for row in rows:
        found = row["page"]
        nodes, edges = [], []
        for item in found[:limit]:
            nodes.append(to_node(item))
            edges += [
                EdgeRecord(type=Rel(e["type"]), source=e["source"], target=e["target"],
                           props=property_pairs(e["props"]))
                for e in item["edges"]
            ]  # fmt: skip
        pages.append(
            HopPage(
                origin=row["origin"],
                hop=Hop(row["dir"]),
                nodes=nodes,
                edges=edges,
                has_more=len(found) > limit,
            )
        )
    return pages


NeighbourCounts = dict[str, dict[tuple[Hop, Kind], int]]


async def neighbour_counts(
    graph: Graph, *, uids: list[str], as_of: datetime | None, at: datetime
) -> NeighbourCounts:
    """For each uid: how many neighbours one hop up and one hop down, per kind."""
    rows = await graph.read_collected("explore/neighbour_counts", uids=uids, as_of=as_of, at=at)
    counts: NeighbourCounts = {}
    for row in rows:
        counts.setdefault(row["uid"], {})[(Hop(row["dir"]), Kind(row["kind"]))] = int(row["count"])
    return counts


async def classified_reach(
    graph: Graph, *, uids: list[str], depth: int, as_of: datetime | None, at: datetime
) -> dict[str, set[str]]:
    """For each uid, the classifications set on it or upstream of it (Q4's rule; a
    deployment by what it serves at `at`)."""
    rows = await graph.read_collected(
        "explore/classified_reach", uids=uids, depth=depth, as_of=as_of, at=at
    )
    reached: dict[str, set[str]] = {}
    for row in rows:
        for uid in row["uids"]:
            reached.setdefault(uid, set()).add(row["classification"])
    return reached
