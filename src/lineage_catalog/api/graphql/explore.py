"""The lineage explorer's queries: a lazy neighbourhood (one hop at a time, counted before
it is loaded, paged, capped, as of a time). Each answer is a bounded number of statements:
one per hop, then the counts and the classifications of every node in it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from lineage_catalog.api.graphql.analytics import Direction
from lineage_catalog.api.graphql.arguments import AsOf, NodeId
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.cost import ANSWER_ITEMS
from lineage_catalog.api.graphql.pagination import decode_cursor, encode_cursor
from lineage_catalog.api.graphql.queries import GqlKind
from lineage_catalog.api.graphql.types import CatalogNode, to_type
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import NodeRecord, split_uid
from lineage_catalog.services import explore
from lineage_catalog.store.explore import Hop

_DIRECTION = {Hop.UP: Direction.UPSTREAM, Hop.DOWN: Direction.DOWNSTREAM}
PerNode = Annotated[
    int | None,
    strawberry.argument(
        description=f"Neighbours shown per node and hop: 1 to {explore.MAX_PER_NODE}; null: "
        f"{explore.DEFAULT_PER_NODE}. The rest are counted and paged by exploreNeighbours."
    ),
]


@strawberry.type(description="How many lineage neighbours of one kind a node has one hop away.")
class NeighbourCount:
    direction: Direction = strawberry.field(description="UPSTREAM or DOWNSTREAM.")
    kind: GqlKind = strawberry.field(description="The neighbours' kind.")
    count: int = strawberry.field(description="How many, at asOf (or now).")


@strawberry.type(description="A node of an explorer answer, with what it takes to draw it.")
class ExploreNode:
    id: strawberry.ID = strawberry.field(description="The node's id, <Kind>:<key>.")
    node: CatalogNode = strawberry.field(description="The node itself, with all its fields.")
    hops: int = strawberry.field(description="Hops from the node the answer started at.")
    upstream_count: int = strawberry.field(
        description="Neighbours one hop upstream, loaded or not (at asOf)."
    )
    downstream_count: int = strawberry.field(
        description="Neighbours one hop downstream, loaded or not (at asOf)."
    )
    neighbour_counts: list[NeighbourCount] = strawberry.field(
        description="The same counts per direction and kind."
    )
    classifications: list[str] = strawberry.field(
        description="Classifications set on the node or upstream of it (PII, ...), by the "
        "rule of classificationsUpstream (which also gives the paths); none on runs."
    )


@strawberry.type(description="A lineage edge of an explorer answer.")
class ExploreEdge:
    type: str = strawberry.field(description="USED, GENERATED, EXECUTED, SERVED or MADE_BY.")
    source: strawberry.ID = strawberry.field(description="Where the edge starts.")
    target: strawberry.ID = strawberry.field(description="Where the edge points.")
    role: str | None = strawberry.field(
        default=None, description="SERVED: champion, challenger, shadow or canary."
    )
    traffic_share: float | None = strawberry.field(
        default=None, description="SERVED: the share of traffic."
    )
    valid_from: datetime | None = strawberry.field(default=None, description="SERVED: since when.")
    valid_to: datetime | None = strawberry.field(
        default=None, description="SERVED: until when (null: still)."
    )


@strawberry.type(description="What an answer holds of one node's neighbours in one direction.")
class NeighbourPage:
    id: strawberry.ID = strawberry.field(description="The node whose neighbours these are.")
    direction: Direction = strawberry.field(description="UPSTREAM or DOWNSTREAM.")
    loaded: int = strawberry.field(description="Neighbours in this answer.")
    total: int = strawberry.field(description="Neighbours in all, at asOf.")
    has_more: bool = strawberry.field(
        description="More follow: ask exploreNeighbours with endCursor as `after`."
    )
    end_cursor: str | None = strawberry.field(description="The cursor of the last one.")


@strawberry.type(description="A lazily explored piece of lineage, ready for a graph view.")
class ExploreGraph:
    start: strawberry.ID = strawberry.field(description="The node the answer started at.")
    nodes: list[ExploreNode] = strawberry.field(description="The start and what was reached.")
    edges: list[ExploreEdge] = strawberry.field(
        description="The lineage edges walked between the nodes of the answer."
    )
    pages: list[NeighbourPage] = strawberry.field(
        description="Per node and direction walked: how many neighbours were loaded of all."
    )
    truncated: bool = strawberry.field(
        description="A cap cut the answer: a node had more neighbours than `first`, or the "
        "answer reached its node limit. Page with exploreNeighbours."
    )
    as_of: datetime | None = strawberry.field(description="The time the answer is for (null: now).")


def _explore_items(*, first: int, depth: int) -> int:
    """At most how many nodes an explore answer holds: `first` per node and level, within
    the node cap (what api/graphql/cost.py prices a request by)."""
    return min(explore.MAX_NODES, first * depth)


def _checked(value: int | None, *, default: int, limit: int, name: str) -> int:
    chosen = default if value is None else value
    if not 1 <= chosen <= limit:
        raise BadInputError(f"{name} must be between 1 and {limit}", path=[name])
    return chosen


def _per_node(first: int | None) -> int:
    """How many neighbours of a node one answer shows (`first`), within the server's cap."""
    return _checked(first, default=explore.DEFAULT_PER_NODE, limit=explore.MAX_PER_NODE,
                    name="first")  # fmt: skip


def _graph(found: explore.Exploration, *, as_of: datetime | None) -> ExploreGraph:
    nodes = []
    for n in found.nodes:
        counts = [
            NeighbourCount(direction=_DIRECTION[hop], kind=kind, count=count)
            for (hop, kind), count in sorted(n.counts.items())
        ]
        nodes.append(
            ExploreNode(
                id=strawberry.ID(n.record.uid),
                node=to_type(n.record),
                hops=n.hops,
                upstream_count=sum(c.count for c in counts if c.direction is Direction.UPSTREAM),
                downstream_count=sum(
                    c.count for c in counts if c.direction is Direction.DOWNSTREAM
                ),
                neighbour_counts=counts,
                classifications=n.classifications,
            )
        )
    edges = [
        ExploreEdge(
            type=e.type.value,
            source=strawberry.ID(e.source),
            target=strawberry.ID(e.target),
            role=e.props.get("role"),
            traffic_share=e.props.get("traffic_share"),
            valid_from=e.props.get("valid_from"),
            valid_to=e.props.get("valid_to"),
        )
        for e in found.edges
    ]
    pages = [
        NeighbourPage(
            id=strawberry.ID(p.origin),
            direction=_DIRECTION[p.hop],
            loaded=p.loaded,
            total=p.total,
            has_more=p.has_more,
            end_cursor=encode_cursor(p.end_cursor) if p.end_cursor else None,
        )
        for p in found.pages
    ]
    return ExploreGraph(start=strawberry.ID(found.start), nodes=nodes, edges=edges, pages=pages,
                        truncated=found.truncated, as_of=as_of)  # fmt: skip


async def _start(info: Info[Context, None], id: str) -> NodeRecord | None:
    split_uid(id)
    return await info.context.loaders.node.load(id)


def _primed(info: Info[Context, None], found: explore.Exploration) -> explore.Exploration:
    # Nested fields that look the answer's nodes up again need no statement of their own.
    info.context.loaders.node.prime_many({n.record.uid: n.record for n in found.nodes})
    return found


@strawberry.type
class ExploreQuery:
    @strawberry.field(
        description="The explorer's first view: the lineage within `depth` hops of a node "
        "(upstream ones walked further up, downstream ones further down), at most `first` "
        f"neighbours per node and hop (<= {explore.MAX_PER_NODE}), "
        f"{explore.MAX_NODES} nodes in all; each node with its neighbour counts and the "
        "classifications it inherits. With asOf: the lineage, serving and predictions of "
        "that moment. Null for an unknown node.",
        metadata={ANSWER_ITEMS: _explore_items},
    )
    async def explore(
        self,
        info: Info[Context, None],
        id: NodeId,
        direction: Annotated[
            Direction, strawberry.argument(description="Which way to walk; default BOTH.")
        ] = Direction.BOTH,
        depth: Annotated[
            int,
            strawberry.argument(
                description=f"Hops to walk from the node: 1 to {explore.MAX_DEPTH}; default 1."
            ),
        ] = 1,
        first: PerNode = None,
        as_of: AsOf = None,
    ) -> ExploreGraph | None:
        start = await _start(info, id)
        if start is None:
            return None
        ctx = info.context
        hops = {
            Direction.UPSTREAM: [Hop.UP],
            Direction.DOWNSTREAM: [Hop.DOWN],
            Direction.BOTH: [Hop.UP, Hop.DOWN],
        }[direction]
        found = await explore.neighbourhood(
            ctx.graph,
            start=start,
            hops=hops,
            depth=_checked(depth, default=1, limit=explore.MAX_DEPTH, name="depth"),
            per_node=_per_node(first),
            as_of=as_of,
            at=as_of or ctx.loaders.at,
            classification_depth=ctx.settings.max_traversal_depth,
        )
        return _graph(_primed(info, found), as_of=as_of)

    @strawberry.field(
        description="The next page of a node's neighbours one hop UPSTREAM or DOWNSTREAM "
        "(expand, show more): pass a NeighbourPage's endCursor as `after`."
    )
    async def explore_neighbours(
        self,
        info: Info[Context, None],
        id: NodeId,
        direction: Annotated[
            Direction,
            strawberry.argument(description="UPSTREAM or DOWNSTREAM; BOTH is BAD_USER_INPUT."),
        ],
        first: PerNode = None,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="A NeighbourPage's endCursor: the neighbours after it. Null: from "
                "the first."
            ),
        ] = None,
        as_of: AsOf = None,
    ) -> ExploreGraph | None:
        if direction is Direction.BOTH:
            raise BadInputError("direction must be UPSTREAM or DOWNSTREAM", path=["direction"])
        origin = await _start(info, id)
        if origin is None:
            return None
        ctx = info.context
        found = await explore.next_neighbours(
            ctx.graph,
            origin=origin,
            hop=Hop.UP if direction is Direction.UPSTREAM else Hop.DOWN,
            after=decode_cursor(after),
            per_node=_per_node(first),
            as_of=as_of,
            at=as_of or ctx.loaders.at,
            classification_depth=ctx.settings.max_traversal_depth,
        )
        return _graph(_primed(info, found), as_of=as_of)
