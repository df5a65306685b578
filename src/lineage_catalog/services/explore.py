"""The lineage explorer's use cases: a neighbourhood around a node, hop by hop, and the next
page of one node's neighbours; each node with its neighbour counts and inherited
classifications. Every answer is capped; `truncated` says when a cap cut it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lineage_catalog.domain.model import EdgeRecord, Kind, NodeRecord
from lineage_catalog.store import explore as store
from lineage_catalog.store.explore import Hop, HopPage, sort_key
from lineage_catalog.store.graph import Graph

# The caps of one answer: neighbours listed per node and hop, hops, nodes in all.
DEFAULT_PER_NODE = 25
MAX_PER_NODE = 1000
MAX_DEPTH = 6
MAX_NODES = 2500


@dataclass(frozen=True, slots=True)
class ExploredNode:
    """A node of an answer: how far from the start, its neighbours counted per hop and kind,
    and the classifications set on it or upstream of it."""

    record: NodeRecord
    hops: int
    counts: dict[tuple[Hop, Kind], int]
    classifications: list[str]


@dataclass(frozen=True, slots=True)
class PageOfNeighbours:
    """What an answer holds of one node's neighbours one hop in one direction."""

    origin: str
    hop: Hop
    loaded: int
    total: int
    end_cursor: str | None
    has_more: bool


@dataclass(frozen=True, slots=True)
class Exploration:
    start: str
    nodes: list[ExploredNode]
    edges: list[EdgeRecord]
    pages: list[PageOfNeighbours]
    truncated: bool


async def neighbourhood(
    graph: Graph,
    *,
    start: NodeRecord,
    hops: Sequence[Hop],
    depth: int,
    per_node: int,
    as_of: datetime | None,
    at: datetime,
    classification_depth: int,
) -> Exploration:
    """Everything within `depth` hops of start in the directions `hops` (upstream nodes are
    walked further up, downstream ones further down), at most per_node neighbours of each
    node and MAX_NODES in all: one statement per hop, then the counts and classifications."""
    found: dict[str, tuple[NodeRecord, int]] = {start.uid: (start, 0)}
    frontier = [(start.uid, hop) for hop in hops]
    pages: list[HopPage] = []
    truncated = False
    for level in range(1, depth + 1):
        if not frontier:
            break
        answered = await store.neighbours(
            graph, origins=frontier, after="", limit=per_node, as_of=as_of, at=at
        )
        frontier = []
        for page in answered:
            pages.append(page)
            truncated = truncated or page.has_more
            for node in page.nodes:
                if node.uid in found:
                    continue
                if len(found) >= MAX_NODES:
                    truncated = True
                    continue
                found[node.uid] = (node, level)
                frontier.append((node.uid, page.hop))
    return await _answer(
        graph, start=start.uid, found=found, pages=pages, truncated=truncated, as_of=as_of,
        at=at, classification_depth=classification_depth,
    )  # fmt: skip


async def next_neighbours(
    graph: Graph,
    *,
    origin: NodeRecord,
    hop: Hop,
    after: str,
    per_node: int,
    as_of: datetime | None,
    at: datetime,
    classification_depth: int,
) -> Exploration:
    """One page of origin's neighbours one hop that way, after the sort key `after` (the
    end cursor of the previous page: "show more")."""
    (page,) = await store.neighbours(
        graph, origins=[(origin.uid, hop)], after=after, limit=per_node, as_of=as_of, at=at
    )
    found = {origin.uid: (origin, 0)}
    for node in page.nodes:
        found.setdefault(node.uid, (node, 1))
    return await _answer(
        graph, start=origin.uid, found=found, pages=[page], truncated=page.has_more,
        as_of=as_of, at=at, classification_depth=classification_depth,
    )  # fmt: skip


async def _answer(
    graph: Graph,
    *,
    start: str,
    found: dict[str, tuple[NodeRecord, int]],
    pages: list[HopPage],
    truncated: bool,
    as_of: datetime | None,
    at: datetime,
    classification_depth: int,
) -> Exploration:
    uids = list(found)
    counts, reach = await asyncio.gather(
        store.neighbour_counts(graph, uids=uids, as_of=as_of, at=at),
        store.classified_reach(graph, uids=uids, depth=classification_depth, as_of=as_of, at=at),
    )
    edges = {
        (e.type, e.source, e.target): e
        for page in pages
        for e in page.edges
        if e.source in found and e.target in found
    }
    nodes = [
        ExploredNode(
            record=record,
            hops=hops,
            counts=counts.get(uid, {}),
            # Q4 classifies entities; a run is an activity, not something classified.
            classifications=sorted(reach.get(uid, ())) if record.kind != Kind.RUN else [],
        )
        for uid, (record, hops) in found.items()
    ]
    return Exploration(
        start=start,
        nodes=nodes,
        edges=sorted(edges.values(), key=lambda e: (e.source, e.type, e.target)),
        pages=[
            PageOfNeighbours(
                origin=p.origin,
                hop=p.hop,
                loaded=len(p.nodes),
                total=sum(n for (h, _), n in counts.get(p.origin, {}).items() if h == p.hop),
                end_cursor=sort_key(p.nodes[-1]) if p.nodes else None,
                has_more=p.has_more,
            )
            for p in pages
        ],
        truncated=truncated,
    )
