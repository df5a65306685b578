"""Lineage analytics in GraphQL: impact of a dataset version (Q2), classifications
upstream of a node (Q4)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from lineage_catalog.api.graphql.arguments import After, AsOf, Depth, First, NodeId
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.pagination import (
    checked_depth,
    decode_cursor,
    encode_cursor,
    page_size,
)
from lineage_catalog.api.graphql.queries import GqlKind, LineageEdge
from lineage_catalog.api.graphql.types import (
    CatalogNode,
    DatasetVersion,
    Deployment,
    Evaluation,
    Feature,
    ModelVersion,
    Run,
    to_type,
)
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, NodeRecord, split_uid, uid
from lineage_catalog.services import lineage
from lineage_catalog.services.lineage import STANDS_FOR


def _of(records: list[NodeRecord], kind: Kind) -> list[Any]:
    return [to_type(r) for r in records if r.kind == kind]


@strawberry.type(description="Predictions one deployment made from an affected model version.")
class DeploymentImpact:
    deployment: Deployment = strawberry.field(description="The deployment.")
    model_version: strawberry.ID = strawberry.field(
        description="Id of the affected model version it served."
    )
    prediction_count: int = strawberry.field(
        description="How many predictions it made with that version (at asOf, or now)."
    )
    first_prediction: datetime | None = strawberry.field(
        description="When the first of them was made; null when there are none."
    )
    last_prediction: datetime | None = strawberry.field(
        description="When the last of them was made; null when there are none."
    )


@strawberry.type(description="Q2: everything downstream of a dataset version.")
class Impact:
    runs: list[Run] = strawberry.field(
        description="Every run downstream: runs that used the version or anything it led to."
    )
    dataset_versions: list[DatasetVersion] = strawberry.field(
        description="Dataset versions generated downstream (the start not included)."
    )
    features: list[Feature] = strawberry.field(description="Features computed downstream.")
    model_versions: list[ModelVersion] = strawberry.field(
        description="Model versions trained downstream."
    )
    evaluations: list[Evaluation] = strawberry.field(description="Evaluations made downstream.")
    deployments: list[DeploymentImpact] = strawberry.field(
        description="Per deployment and affected model version it served: how many "
        "predictions, first and last (counts, not the predictions)."
    )

    @strawberry.field(description="Predictions made by affected model versions, in all.")
    def prediction_count(self) -> int:
        return sum(d.prediction_count for d in self.deployments)


@strawberry.type(description="Q4: a classification upstream and the lineage path to it.")
class ClassificationPath:
    classification: str = strawberry.field(description="The classification's key, e.g. PII.")
    holder: CatalogNode = strawberry.field(
        description="The node the classification is set on (an entity version's dataset "
        "counts as the version)."
    )
    path: list[strawberry.ID] = strawberry.field(
        description="Ids from the node asked about to the holder along lineage, both included; "
        "the shortest such path."
    )


@strawberry.enum(description="Which way along lineage to walk.")
class Direction(Enum):
    UPSTREAM = strawberry.enum_value(
        "upstream", description="Towards what it came from: inputs, their runs, their inputs."
    )
    DOWNSTREAM = strawberry.enum_value(
        "downstream", description="Towards what came from it: runs that used it, their outputs."
    )
    BOTH = strawberry.enum_value("both", description="Upstream and downstream.")


@strawberry.enum(
    description="Which versions a lineage question about a Dataset or Model (or runs, about "
    "a Job) starts from. Ignored for any other node, which starts from itself."
)
class LineageVersions(Enum):
    ALL = strawberry.enum_value(
        "all",
        description="Every version of the Dataset or Model, every run of the Job (at asOf: "
        "those recorded, or started, by then): the answer is the union of the answers for "
        "each.",
    )
    LATEST = strawberry.enum_value(
        "latest",
        description="Only the newest: a version by createdAt, else the latest end of a run "
        "that generated it, else when it was recorded; a run by startedAt, else its first "
        "event's time, else when it was recorded; ties by the greater key.",
    )


Versions = Annotated[
    LineageVersions,
    strawberry.argument(
        description="From a Dataset or Model: all its versions or the latest; from a Job: all "
        "its runs or the latest. Default ALL. Ignored for other nodes."
    ),
]


@strawberry.enum(description="How lineage is drawn: between versions and runs, or entities.")
class LineageLevel(Enum):
    VERSION = strawberry.enum_value(
        "version",
        description="Runs, entity versions and commits, with the USED, GENERATED and EXECUTED "
        "edges stored between them.",
    )
    ENTITY = strawberry.enum_value(
        "entity",
        description="The same walk drawn as Marquez draws lineage: each run as its Job, each "
        "version as its Dataset or Model (features and evaluations as themselves, a run "
        "without a job as itself, commits left out), with INPUT edges (dataset -> job whose "
        "runs read a version of it) and OUTPUT edges (job -> dataset its runs wrote).",
    )


async def _start(
    info: Info[Context, None], id: str, versions: LineageVersions, as_of: datetime | None
) -> lineage.Start:
    return await lineage.start_of(
        info.context.graph, uid=id, latest=versions == LineageVersions.LATEST, as_of=as_of
    )


@strawberry.type(description="A page of a lineage subgraph, ready for a graph view.")
class LineageGraph:
    nodes: list[CatalogNode] = strawberry.field(
        description="This page of the subgraph's nodes, in id order (the start not included)."
    )
    edges: list[LineageEdge] = strawberry.field(
        description="Lineage edges whose both ends are the start or on this page."
    )
    total_nodes: int = strawberry.field(
        description="Nodes of the subgraph in all pages (of the kinds asked for)."
    )
    has_next_page: bool = strawberry.field(
        description="More nodes follow: pass endCursor as `after`."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of this page's last node; null when the page is empty."
    )


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="The lineage subgraph around a node: runs, entity versions "
        "and commits up- and/or downstream (or, with level ENTITY, jobs and datasets), nodes "
        "paged in id order; with asOf, only runs that had started by then (point-in-time "
        "lineage). From a Dataset or Model: the union of the subgraphs of its versions "
        "(versions: ALL, or LATEST), which are among the nodes; from a Job, likewise of its "
        "runs. " + STANDS_FOR + " Null for an unknown node."
    )
    async def lineage(
        self,
        info: Info[Context, None],
        id: NodeId,
        direction: Annotated[
            Direction, strawberry.argument(description="Which way to walk; default UPSTREAM.")
        ] = Direction.UPSTREAM,
        depth: Depth = None,
        kinds: Annotated[
            list[GqlKind] | None,
            strawberry.argument(
                description="Only nodes of these kinds on the page (the walk goes through the "
                "others); null: every kind."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        as_of: AsOf = None,
        versions: Versions = LineageVersions.ALL,
        level: Annotated[
            LineageLevel,
            strawberry.argument(
                description="VERSION (default): versions and runs; ENTITY: the same walk "
                "drawn between jobs and datasets (see LineageLevel)."
            ),
        ] = LineageLevel.VERSION,
    ) -> LineageGraph | None:
        split_uid(id)
        ctx = info.context
        record = await ctx.loaders.node.load(id)
        if record is None:
            return None
        found = await lineage.lineage_around(
            ctx.graph,
            start=await _start(info, id, versions, as_of),
            depth=checked_depth(info.context.settings, depth),
            upstream=direction in (Direction.UPSTREAM, Direction.BOTH),
            downstream=direction in (Direction.DOWNSTREAM, Direction.BOTH),
            as_of=as_of,
        )
        start: str = id
        all_nodes, all_edges = (
            found.nodes,
            [(e.type.value, e.source, e.target) for e in found.edges],
        )
        if level == LineageLevel.ENTITY:
            entities = await lineage.entity_lineage(ctx.graph, start=record, found=found)
            start = lineage.entity_of(record) or id
            all_nodes, all_edges = entities.nodes, [(t.value, s, e) for t, s, e in entities.edges]
        wanted = {Kind(k) for k in kinds} if kinds else None
        nodes = [n for n in all_nodes if wanted is None or n.kind in wanted]
        total = len(nodes)
        offset_key = decode_cursor(after)
        nodes = [n for n in nodes if n.uid > offset_key]
        size = page_size(first, ctx.settings)
        page = nodes[:size]
        on_page = {n.uid for n in page} | {start}
        edges = [
            LineageEdge(type=t, source=strawberry.ID(source), target=strawberry.ID(target))
            for t, source, target in all_edges
            if source in on_page and target in on_page
        ]
        ctx.loaders.node.prime_many({n.uid: n for n in page})
        return LineageGraph(
            nodes=[to_type(n) for n in page],
            edges=edges,
            total_nodes=total,
            has_next_page=len(nodes) > size,
            end_cursor=encode_cursor(page[-1].uid) if page else None,
        )

    @strawberry.field(
        description="Q2: downstream datasets, features, model versions, "
        "deployments and prediction counts of a dataset version, or of any node by id: a "
        "Dataset or Model through its versions, a Job through its runs (versions: ALL or "
        "LATEST), a run or model version from itself. " + STANDS_FOR + " Null for "
        "an unknown node."
    )
    async def impact(
        self,
        info: Info[Context, None],
        dataset_version: Annotated[
            str | None,
            strawberry.argument(
                description="The dataset version's key, `<dataset>@<version>`, e.g. "
                "loans-raw@2026-09-01. Give this or `id`, not both."
            ),
        ] = None,
        depth: Depth = None,
        as_of: AsOf = None,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Any node's id instead of a version's key, e.g. "
                "Dataset:loans-raw, Job:etl.loans-clean or Model:credit-risk."
            ),
        ] = None,
        versions: Versions = LineageVersions.ALL,
    ) -> Impact | None:
        if (dataset_version is None) == (id is None):
            raise BadInputError("give datasetVersion or id, one of them", path=["id"])
        start = id if id is not None else uid(Kind.DATASET_VERSION, str(dataset_version))
        split_uid(start)
        if await info.context.loaders.node.load(start) is None:
            return None
        found = await lineage.impact_of_dataset_version(
            info.context.graph,
            start=await _start(info, start, versions, as_of),
            depth=checked_depth(info.context.settings, depth),
            as_of=as_of,
        )
        nodes = found.downstream.nodes
        return Impact(
            runs=_of(nodes, Kind.RUN),
            dataset_versions=_of(nodes, Kind.DATASET_VERSION),
            features=_of(nodes, Kind.FEATURE),
            model_versions=_of(nodes, Kind.MODEL_VERSION),
            evaluations=_of(nodes, Kind.EVALUATION),
            deployments=[
                DeploymentImpact(
                    deployment=to_type(d.deployment),  # type: ignore[arg-type]
                    model_version=strawberry.ID(d.model_version),
                    prediction_count=d.predictions,
                    first_prediction=d.first,
                    last_prediction=d.last,
                )
                for d in found.deployments
            ],
        )

    @strawberry.field(
        description="Q4: classifications (PII, ...) upstream of a node, each "
        "with the lineage path from the node to where it is set. From a Dataset or Model: "
        "upstream of its versions (versions: ALL or LATEST), the paths going through them; "
        "from a Job, likewise through its runs. " + STANDS_FOR
    )
    async def classifications_upstream(
        self,
        info: Info[Context, None],
        id: NodeId,
        depth: Depth = None,
        as_of: AsOf = None,
        versions: Versions = LineageVersions.ALL,
    ) -> list[ClassificationPath]:
        return await classification_paths(
            info, id=id, depth=depth, as_of=as_of, latest=versions == LineageVersions.LATEST
        )


async def classification_paths(
    info: Info[Context, None],
    *,
    id: str,
    depth: int | None,
    as_of: datetime | None,
    latest: bool = False,
) -> list[ClassificationPath]:
    """Q4 for one node: each classification upstream with the path to where it is set."""
    split_uid(id)
    start = await lineage.start_of(info.context.graph, uid=id, latest=latest, as_of=as_of)
    up = await info.context.loaders.upstream.load(
        (tuple(start.uids), checked_depth(info.context.settings, depth), as_of)
    )
    paths = await lineage.classifications_upstream(
        info.context.graph, start=start, up=up, as_of=as_of
    )
    holders = await info.context.loaders.node.load_many([p.holder for p in paths])
    return [
        ClassificationPath(
            classification=p.classification,
            holder=to_type(holder),
            path=[strawberry.ID(step) for step in p.path],
        )
        for p, holder in zip(paths, holders, strict=True)
        if holder is not None
    ]
