"""Column-level lineage in GraphQL: columnLineage, columnClassifications and classifyColumn
(services/columns.py holds the rules; column_types.py the types).

A question starting from a column of a version whose columns the caller may not read
answers nothing but that it is withheld: not even whether the column exists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from lineage_catalog.api.graphql.analytics import Direction
from lineage_catalog.api.graphql.arguments import AsOf, Depth, Reason
from lineage_catalog.api.graphql.column_types import (
    LOGGED_AS,
    PROP,
    ColumnClassificationPath,
    ColumnClassifications,
    ColumnLineage,
    edge_type,
    readable,
    ref_type,
    withheld_ref,
)
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.pagination import checked_depth
from lineage_catalog.api.graphql.types import CatalogNode, may_read, to_type
from lineage_catalog.domain import columns as domain
from lineage_catalog.domain.errors import ForbiddenError
from lineage_catalog.services import columns as service
from lineage_catalog.services.audit import checked_reason

DatasetArg = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="A DatasetVersion id, or a Dataset id: its newest version (as of asOf)."
    ),
]
ColumnArg = Annotated[str, strawberry.argument(description="The column's name in that version.")]


@strawberry.type
class ColumnQuery:
    @strawberry.field(
        description="Column-level lineage from OpenLineage's columnLineage facet: the "
        "columns up- and/or downstream of a column within depth levels, each edge with its "
        "transformations. An input field's dataset resolves to the version the producing run "
        "used, else that dataset's newest version by the time the run started "
        "(docs/openlineage.md). Unknown version or column: BAD_USER_INPUT."
    )
    async def column_lineage(
        self,
        info: Info[Context, None],
        dataset: DatasetArg,
        column: ColumnArg,
        direction: Annotated[
            Direction, strawberry.argument(description="Which way to walk; default UPSTREAM.")
        ] = Direction.UPSTREAM,
        depth: Depth = None,
        as_of: AsOf = None,
    ) -> ColumnLineage:
        levels = checked_depth(info.context.settings, depth)
        version = await _start(info, dataset, as_of)
        if not await may_read(info, version, PROP, logged_as=LOGGED_AS):
            return ColumnLineage(column=withheld_ref(version), nodes=[], edges=[], withheld=True)
        found, versions = await service.column_lineage(
            info.context.graph, version=version, column=column, depth=levels,
            upstream=direction in (Direction.UPSTREAM, Direction.BOTH),
            downstream=direction in (Direction.DOWNSTREAM, Direction.BOTH), as_of=as_of,
        )  # fmt: skip
        shown = await readable(info, {n.version for n in found.nodes})
        return ColumnLineage(
            column=ref_type(found.start, shown, versions),
            nodes=[ref_type(n, shown, versions) for n in found.nodes],
            edges=[edge_type(e, shown, versions) for e in found.edges],
            withheld=False,
        )

    @strawberry.field(
        description="Classifications of a column, propagated along column lineage at query "
        "time: inherited ones with their path, and those a masking (masking: true) or "
        "aggregating (AGGREGATION) step keeps from it, with that step. Dataset-level "
        "answers (classificationsUpstream) are unaffected. Unknown column: BAD_USER_INPUT."
    )
    async def column_classifications(
        self,
        info: Info[Context, None],
        dataset: DatasetArg,
        column: ColumnArg,
        depth: Depth = None,
        as_of: AsOf = None,
    ) -> ColumnClassifications:
        levels = checked_depth(info.context.settings, depth)
        version = await _start(info, dataset, as_of)
        if not await may_read(info, version, PROP, logged_as=LOGGED_AS):
            return ColumnClassifications(column=withheld_ref(version), inherited=[], blocked=[],
                                         withheld=True)  # fmt: skip
        found, versions = await service.column_classifications(
            info.context.graph, version=version, column=column, depth=levels, as_of=as_of
        )
        refs = {r for c in found for r in c.path}
        blocking = {r for c in found if c.blocked_by for r in (c.blocked_by.source,)}
        shown = await readable(info, {r.version for r in refs | blocking} | {version})

        def answer(c: domain.ColumnClassification) -> ColumnClassificationPath:
            return ColumnClassificationPath(
                classification=c.held.classification, set_on=strawberry.ID(c.held.set_on),
                on_column=c.held.on_column, holder=ref_type(c.held.column, shown, versions),
                path=[ref_type(r, shown, versions) for r in c.path],
                blocked_by=edge_type(c.blocked_by, shown, versions) if c.blocked_by else None,
            )  # fmt: skip

        return ColumnClassifications(
            column=ref_type(domain.ColumnRef(version, column), shown, versions),
            inherited=[answer(c) for c in found if c.blocked_by is None],
            blocked=[answer(c) for c in found if c.blocked_by is not None],
            withheld=False,
        )


async def _start(info: Info[Context, None], dataset: str, as_of: datetime | None) -> str:
    return await service.start_version(info.context.graph, id=dataset, as_of=as_of)


@strawberry.type
class ColumnMutation:
    @strawberry.mutation(
        description="Classify a column of a dataset version (PII, SENSITIVE, ...); the same "
        "role as classify, reason required, audited. Column classifications propagate along "
        "column lineage (columnClassifications), never the version's own. A version whose "
        "columns are restricted needs the caller's clearance."
    )
    async def classify_column(
        self,
        info: Info[Context, None],
        target: Annotated[strawberry.ID, strawberry.argument(description="The DatasetVersion id.")],
        column: Annotated[str, strawberry.argument(description="The column's name in it.")],
        classifications: Annotated[
            list[str],
            strawberry.argument(description="Classification keys to add; each registered."),
        ],
        reason: Reason,
    ) -> CatalogNode:
        why = checked_reason(reason, path=["reason"], required=True)
        if not await may_read(info, target, PROP, logged_as=LOGGED_AS):
            raise ForbiddenError("classifying a column of this version needs the clearance "
                                 "its columns are restricted by")  # fmt: skip
        await service.classify_column(
            info.context.graph, actor=info.context.actor, version=target, column=column,
            classifications=classifications, reason=why or "",
        )  # fmt: skip
        record = await info.context.loaders.node.load(target)
        return to_type(record)  # type: ignore[arg-type]
