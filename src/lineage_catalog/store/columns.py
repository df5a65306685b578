"""Column lineage reads and the column classification write (graph/queries/columns)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lineage_catalog.domain.model import NodeRecord
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.nodes import decode_props, now, to_node


@dataclass(frozen=True, slots=True)
class ColumnSources:
    """Versions reached by a column walk, and how each input dataset of a version resolved:
    `resolved[(version uid, dataset uid)]` the version uid (None: the dataset has none)."""

    versions: dict[str, NodeRecord]
    resolved: dict[tuple[str, str], str | None]


async def column_walk(
    graph: Graph, *, starts: list[str], depth: int, upstream: bool, as_of: datetime | None
) -> ColumnSources:
    """The versions within depth column levels up- or downstream of starts (one statement)."""
    name = "columns/column_upstream" if upstream else "columns/column_downstream"
    rows = await graph.read(name, starts=starts, depth=depth, as_of=as_of)
    if not rows:
        return ColumnSources({}, {})
    versions = {n.uid: n for n in (to_node(v) for v in rows[0]["versions"])}
    resolved = {(link["version"], link["dataset"]): link["resolved"] for link in rows[0]["links"]}
    return ColumnSources(versions, resolved)


async def column_classifications(
    graph: Graph, *, versions: list[str], as_of: datetime | None
) -> list[dict[str, Any]]:
    """Rows {version, column (None: every column), classification, holder} (one statement)."""
    return await graph.read_collected(
        "columns/column_classifications", versions=versions, as_of=as_of
    )


async def column_target(
    tx: WriteTx, *, version: str, classifications: list[str]
) -> tuple[dict[str, Any] | None, set[str]]:
    """The version's properties (None when missing), write-locked, and which of the
    classification uids exist."""
    rows = await tx.run("columns/column_target", version=version, classifications=classifications)
    if not rows:
        return None, set()
    return decode_props(rows[0]["props"]), set(rows[0]["found"])


async def classify_column(
    tx: WriteTx, *, version: str, column: str, classifications: list[str]
) -> list[str]:
    """Link the column to each classification; the uids newly linked."""
    rows = await tx.run("columns/classify_column", version=version, column=column,
                        classifications=classifications, now=now())  # fmt: skip
    return sorted(rows[0]["added"]) if rows else []
