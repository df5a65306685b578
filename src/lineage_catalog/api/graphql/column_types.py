"""The GraphQL types of column-level lineage, which DatasetVersion.columns (types.py) and
the column queries (columns.py) answer with.

Column names are part of a version's schema: a column of a version whose `schema` the caller
may not read (auth/policy.RESTRICTED_PROPS, through the one rule, types.may_read) is shown
without its name. A column names its version by id, not as an object, so nothing here
reaches a version's restricted fields."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

import strawberry
from strawberry.types import Info

from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.types import may_read
from lineage_catalog.domain import columns as domain
from lineage_catalog.domain.model import NodeRecord
from lineage_catalog.services import columns as service

PROP = "schema"  # column names are the schema's: the restricted property that guards them
LOGGED_AS = "columns"  # how the access log names a read of them


@strawberry.type(description="A column of a dataset version.")
class ColumnRef:
    column: str | None = strawberry.field(
        description="The column's name; null when withheld: the version's columns are "
        "restricted like its schema (e.g. PII) and the caller is not cleared."
    )
    withheld: bool = strawberry.field(
        description="True when the name is withheld (see `column`); each such read is logged."
    )
    version: strawberry.ID = strawberry.field(
        description="The id of the dataset version the column belongs to (node(id) reads it)."
    )


@strawberry.type(description="One transformation of a column edge, as the facet gives it.")
class ColumnTransformation:
    type: str = strawberry.field(description="DIRECT or INDIRECT (OpenLineage 1-2-0).")
    subtype: str | None = strawberry.field(
        description="e.g. IDENTITY, TRANSFORMATION, AGGREGATION, FILTER, JOIN, GROUP_BY."
    )
    description: str | None = strawberry.field(description="What the producer says it does.")
    masking: bool = strawberry.field(description="True: the output masks the input's values.")


@strawberry.type(description="An input column feeding an output column.")
class ColumnEdge:
    source: ColumnRef = strawberry.field(description="The input column.")
    target: ColumnRef = strawberry.field(description="The column computed from it.")
    transformations: list[ColumnTransformation] = strawberry.field(
        description="How, in the facet's order; empty when the producer did not say."
    )
    dataset_wide: bool = strawberry.field(
        description="True: from the facet's dataset-wide list (a filter or join key), which "
        "feeds every column of the version."
    )
    blocks: bool = strawberry.field(
        description="True when every transformation masks or is an AGGREGATION: "
        "classifications (PII) do not flow along this edge."
    )


@strawberry.type(description="A column of a dataset version, with its direct inputs.")
class Column:
    name: str = strawberry.field(description="The column's name (dotted for nested fields).")
    type: str | None = strawberry.field(description="Its type, from the schema facet.")
    description: str | None = strawberry.field(description="Its description, if given.")
    inputs: list[ColumnEdge] = strawberry.field(
        description="The columns it is computed from, one level up, each with its "
        "transformations (input datasets resolved as columnLineage does)."
    )


@strawberry.type(description="The column graph around a column: columns and their edges.")
class ColumnLineage:
    column: ColumnRef = strawberry.field(description="The column asked about.")
    nodes: list[ColumnRef] = strawberry.field(
        description="Every column reached, the one asked about included, in id order."
    )
    edges: list[ColumnEdge] = strawberry.field(
        description="Edges among them (input -> output), each with its transformations."
    )
    withheld: bool = strawberry.field(
        description="True when the column asked about is in a version whose columns the "
        "caller may not read: nothing else is answered."
    )


@strawberry.type(description="A classification reaching a column, or stopped on the way.")
class ColumnClassificationPath:
    classification: str = strawberry.field(description="The classification's key, e.g. PII.")
    set_on: strawberry.ID = strawberry.field(
        description="Where it is set: the holder's version (on the column itself, "
        "`onColumn`), or the version or dataset it is set on (it holds for every column)."
    )
    on_column: bool = strawberry.field(description="True: set on the holder column itself.")
    holder: ColumnRef = strawberry.field(description="The column it holds for.")
    path: list[ColumnRef] = strawberry.field(
        description="Columns from the one asked about to the holder, both included: a "
        "shortest path with no blocking edge, or, when blocked, a shortest path."
    )
    blocked_by: ColumnEdge | None = strawberry.field(
        description="Null: inherited. Else the edge that stops it: on every path a masking "
        "or aggregating step; this is the first such on `path`, from the holder's side."
    )


@strawberry.type(description="Classifications of a column: inherited along column lineage, "
                 "and those that masking or aggregation kept from it.")  # fmt: skip
class ColumnClassifications:
    column: ColumnRef = strawberry.field(description="The column asked about.")
    inherited: list[ColumnClassificationPath] = strawberry.field(
        description="Classifications that hold for it: its own, its version's and dataset's, "
        "and those upstream along a path with no masking or aggregating edge."
    )
    blocked: list[ColumnClassificationPath] = strawberry.field(
        description="Classifications upstream that reach it only through masking or "
        "aggregating edges, each with the blocking step."
    )
    withheld: bool = strawberry.field(
        description="True when the column's version's columns are restricted for the caller: "
        "nothing else is answered."
    )


async def readable(info: Info[Context, None], versions: Iterable[str]) -> set[str]:
    """The versions whose column names the caller may read (the one may_read rule)."""
    wanted = sorted(set(versions))
    allowed = await asyncio.gather(*(may_read(info, v, PROP, logged_as=LOGGED_AS) for v in wanted))
    return {v for v, ok in zip(wanted, allowed, strict=True) if ok}


def ref_type(
    ref: domain.ColumnRef, shown: set[str], versions: Mapping[str, NodeRecord]
) -> ColumnRef:
    hidden = ref.version not in shown
    return ColumnRef(column=None if hidden else ref.column, withheld=hidden,
                     version=strawberry.ID(ref.version))  # fmt: skip


def edge_type(
    edge: domain.ColumnEdge, shown: set[str], versions: Mapping[str, NodeRecord]
) -> ColumnEdge:
    return ColumnEdge(
        source=ref_type(edge.source, shown, versions),
        target=ref_type(edge.target, shown, versions),
        transformations=[
            ColumnTransformation(
                type=t.type, subtype=t.subtype, description=t.description, masking=t.masking
            )
            for t in edge.transformations
        ],
        dataset_wide=edge.dataset_wide,
        blocks=edge.blocks,
    )


def withheld_ref(version: str) -> ColumnRef:
    return ColumnRef(column=None, withheld=True, version=strawberry.ID(version))


async def columns_of_version(info: Info[Context, None], record: NodeRecord) -> list[Column] | None:
    """DatasetVersion.columns: null unless the caller may read the version's columns."""
    if not await may_read(info, record.uid, PROP, logged_as=LOGGED_AS):
        return None
    edges, versions = await info.context.loaders.column_inputs.load(record.uid)
    shown = await readable(info, {e.source.version for e in edges}) | {record.uid}
    schema = {str(f.get("name")): f for f in record.props.get("schema") or []}
    into: dict[str, list[ColumnEdge]] = {}
    for e in edges:
        into.setdefault(e.target.column, []).append(edge_type(e, shown, versions))
    return [
        Column(name=name, type=schema.get(name, {}).get("type"),
               description=schema.get(name, {}).get("description"), inputs=into.get(name, []))
        for name in service.known_columns(record)
    ]  # fmt: skip
