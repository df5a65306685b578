"""Column-level lineage from OpenLineage's columnLineage facet: the column graph around a
column, a version's columns with their direct inputs, classifications that reach a column
(or are stopped by a masking or aggregating step), and classifying a column.

Each answer is a constant number of statements: one walk (store.columns.column_walk), and
for classifications one more. docs/openlineage.md and docs/governance.md give the rules."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.columns import (
    ColumnClassification,
    ColumnEdge,
    ColumnGraph,
    ColumnRef,
    HeldClassification,
    Transformation,
)
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, NodeRecord, split_uid, uid
from lineage_catalog.ingest import openlineage_facets as facets
from lineage_catalog.ingest.openlineage import entity_key
from lineage_catalog.ingest.openlineage_facets import ColumnInputField
from lineage_catalog.services import audit, lineage
from lineage_catalog.store import columns as store
from lineage_catalog.store.columns import ColumnSources
from lineage_catalog.store.graph import Graph, WriteTx


async def start_version(graph: Graph, *, id: str, as_of: datetime | None) -> str:
    """The version a column question starts from: a DatasetVersion id itself, a Dataset id
    its newest version (as of a time, by lineage.start_of's rule); BAD_USER_INPUT else."""
    kind, _ = split_uid(id, path=["dataset"])
    if kind is Kind.DATASET_VERSION:
        return id
    if kind is not Kind.DATASET:
        raise BadInputError("dataset: a Dataset or DatasetVersion id is expected",
                            path=["dataset"])  # fmt: skip
    start = await lineage.start_of(graph, uid=id, latest=True, as_of=as_of)
    if not start.uids:
        raise BadInputError(f"dataset: {id} has no version (as of then)", path=["dataset"])
    return start.uids[0]


def known_columns(version: NodeRecord) -> list[str]:
    """The version's columns: its schema's fields in order, then columns its columnLineage
    facet names that the schema does not."""
    names = [str(f.get("name")) for f in version.props.get("schema") or [] if f.get("name")]
    facet = _facet(version)
    extra = sorted(set(facet.fields) - set(names)) if facet is not None else []
    return list(dict.fromkeys([*names, *extra]))


def _facet(version: NodeRecord) -> facets.ColumnLineageFacet | None:
    stored = version.props.get("column_lineage")
    return facets.column_lineage({"columnLineage": stored}) if isinstance(stored, dict) else None


def _dataset_uid(item: ColumnInputField) -> str | None:
    try:
        return uid(Kind.DATASET, entity_key(item.namespace, item.name, path=["name"]))
    except BadInputError:
        return None  # as ingest.openlineage_facets.column_input_datasets: no such dataset


def input_edges(
    version: NodeRecord, resolved: Mapping[tuple[str, str], str | None]
) -> list[ColumnEdge]:
    """The edges into the version's columns that its facet describes, each input dataset
    resolved by the walk (`resolved`); inputs not resolved are left out. A dataset-wide
    input feeds every column of the version."""
    facet = _facet(version)
    if facet is None:
        return []

    def edges(column: str, given: Iterable[ColumnInputField], wide: bool) -> list[ColumnEdge]:
        found = []
        for item in given:
            dataset = _dataset_uid(item)
            source = resolved.get((version.uid, dataset)) if dataset else None
            if source is None:
                continue
            steps = tuple(
                Transformation(type=t.type, subtype=t.subtype, description=t.description,
                               masking=bool(t.masking))
                for t in item.transformations or []
            )  # fmt: skip
            found.append(ColumnEdge(ColumnRef(source, item.field), ColumnRef(version.uid, column),
                                    steps, dataset_wide=wide))  # fmt: skip
        return found

    out: list[ColumnEdge] = []
    for column, spec in sorted(facet.fields.items()):
        out += edges(column, spec.inputFields, wide=False)
    for column in known_columns(version) if facet.dataset else []:
        out += edges(column, facet.dataset or [], wide=True)
    return out


def _edges_of(sources: ColumnSources) -> list[ColumnEdge]:
    return [e for v in sources.versions.values() for e in input_edges(v, sources.resolved)]


def _bfs(start: ColumnRef, step: Mapping[ColumnRef, list[ColumnEdge]], *, upstream: bool,
         depth: int) -> tuple[set[ColumnRef], set[ColumnEdge]]:  # fmt: skip
    seen, used = {start}, set()
    queue = deque([(start, 0)])
    while queue:
        here, level = queue.popleft()
        if level >= depth:
            continue
        for edge in step.get(here, []):
            used.add(edge)
            there = edge.source if upstream else edge.target
            if there not in seen:
                seen.add(there)
                queue.append((there, level + 1))
    return seen, used


def _index(edges: Iterable[ColumnEdge], *, by_target: bool) -> dict[ColumnRef, list[ColumnEdge]]:
    index: dict[ColumnRef, list[ColumnEdge]] = {}
    for e in sorted(set(edges)):
        index.setdefault(e.target if by_target else e.source, []).append(e)
    return index


async def column_lineage(
    graph: Graph,
    *,
    version: str,
    column: str,
    depth: int,
    upstream: bool,
    downstream: bool,
    as_of: datetime | None = None,
    check: bool = True,
) -> tuple[ColumnGraph, dict[str, NodeRecord]]:
    """The columns up- and/or downstream of a version's column within depth column levels,
    the edges among them, and the versions they belong to. With `check`, an unknown version
    or column is BAD_USER_INPUT (without it, an unknown column has no edges)."""
    start = ColumnRef(version, column)
    nodes: set[ColumnRef] = {start}
    edges: set[ColumnEdge] = set()
    versions: dict[str, NodeRecord] = {}
    for up in [d for d, asked in ((True, upstream), (False, downstream)) if asked]:
        found = await store.column_walk(graph, starts=[version], depth=depth, upstream=up,
                                        as_of=as_of)  # fmt: skip
        versions |= found.versions
        if version not in found.versions:
            raise BadInputError(f"dataset: no dataset version {version}", path=["dataset"])
        if check and column not in known_columns(found.versions[version]):
            raise BadInputError(f"column: {version} has no column {column!r}", path=["column"])
        seen, used = _bfs(start, _index(_edges_of(found), by_target=up), upstream=up,
                          depth=depth)  # fmt: skip
        nodes |= seen
        edges |= used
    return ColumnGraph(start, sorted(nodes), sorted(edges)), versions


async def columns_of(
    graph: Graph, *, versions: list[str]
) -> tuple[dict[str, list[ColumnEdge]], dict[str, NodeRecord]]:
    """For each version uid, the edges into its columns from their direct inputs, and the
    versions they name (one statement for all of them), resolved as column_lineage does."""
    found = await store.column_walk(graph, starts=versions, depth=1, upstream=True, as_of=None)
    edges: dict[str, list[ColumnEdge]] = {v: [] for v in versions}
    for v in versions:
        record = found.versions.get(v)
        if record is not None:
            edges[v] = sorted(input_edges(record, found.resolved))
    return edges, found.versions


def held_classifications(
    rows: Iterable[Mapping[str, Any]], columns: Iterable[ColumnRef]
) -> list[HeldClassification]:
    """The classifications holding for each column, from column_classifications rows: those
    set on the column, and those on its version or dataset (they hold for every column)."""
    by_version: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_version.setdefault(row["version"], []).append(row)
    held = set()
    for ref in columns:
        for row in by_version.get(ref.version, []):
            if row["column"] is None or row["column"] == ref.column:
                held.add(HeldClassification(row["classification"], ref, row["holder"],
                                            on_column=row["column"] is not None))  # fmt: skip
    return sorted(held, key=lambda h: (h.classification, h.column, h.set_on))


def _path(start: ColumnRef, goal: ColumnRef, into: Mapping[ColumnRef, list[ColumnEdge]],
          *, blocking: bool) -> list[ColumnEdge] | None:  # fmt: skip
    """The edges of a shortest path from goal down to start (goal's side first), over the
    edges into each column (`into`), with or without the blocking ones; None: none."""
    back: dict[ColumnRef, ColumnEdge | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            break
        for edge in into.get(here, []):
            if (blocking or not edge.blocks) and edge.source not in back:
                back[edge.source] = edge
                queue.append(edge.source)
    if goal not in back:
        return None
    path: list[ColumnEdge] = []
    at = goal
    while (step := back[at]) is not None:
        path.append(step)
        at = step.target
    return path


def propagate(graph: ColumnGraph, held: Iterable[HeldClassification]) -> list[ColumnClassification]:
    """Each classification holding upstream of the start column, inherited along a shortest
    path with no blocking edge, or, when every path has one, blocked: the shortest path and
    its first blocking edge from the holder's side. Sorted by classification, path length."""
    into = _index(graph.edges, by_target=True)
    found = []
    for h in held:
        open_path = _path(graph.start, h.column, into, blocking=False)
        chosen = open_path if open_path is not None else _path(graph.start, h.column, into,
                                                               blocking=True)  # fmt: skip
        if chosen is None:
            continue
        refs = [graph.start, *(e.source for e in reversed(chosen))]
        stop = None if open_path is not None else next(e for e in chosen if e.blocks)
        found.append(ColumnClassification(h, refs, stop))
    return sorted(found, key=lambda c: (c.held.classification, len(c.path), c.path,
                                        c.held.set_on))  # fmt: skip


async def column_classifications(
    graph: Graph, *, version: str, column: str, depth: int, as_of: datetime | None = None,
    check: bool = True,
) -> tuple[list[ColumnClassification], dict[str, NodeRecord]]:  # fmt: skip
    """The classifications reaching a column from upstream (its own included), inherited or
    blocked (two statements: the walk and the classifications of the versions it reached)."""
    walked, versions = await column_lineage(graph, version=version, column=column, depth=depth,
                                            upstream=True, downstream=False, as_of=as_of,
                                            check=check)  # fmt: skip
    rows = await store.column_classifications(
        graph, versions=sorted({c.version for c in walked.nodes}), as_of=as_of
    )
    return propagate(walked, held_classifications(rows, walked.nodes)), versions


async def classify_column(
    graph: Graph, *, actor: Actor, version: str, column: str, classifications: list[str],
    reason: str,
) -> None:  # fmt: skip
    """Classify a column of a dataset version; idempotent, audited with the reason. The
    column must be one of the version's (known_columns), each classification registered."""
    kind, key = split_uid(version, path=["target"])
    if kind is not Kind.DATASET_VERSION:
        raise BadInputError("target: a DatasetVersion id is expected", path=["target"])
    if not classifications:
        raise BadInputError("classifications: at least one is needed", path=["classifications"])
    wanted = [uid(Kind.CLASSIFICATION, c) for c in classifications]

    async def work(tx: WriteTx) -> None:
        props, exist = await store.column_target(tx, version=version, classifications=wanted)
        if props is None:
            raise BadInputError(f"target: no dataset version {version}", path=["target"])
        if column not in known_columns(NodeRecord(kind=kind, key=key, props=props)):
            raise BadInputError(f"column: {version} has no column {column!r}", path=["column"])
        for i, c in enumerate(wanted):
            if c not in exist:
                raise BadInputError(f"classifications.{i}: {c} is not registered",
                                    path=["classifications", i])  # fmt: skip
        added = await store.classify_column(tx, version=version, column=column,
                                            classifications=wanted)  # fmt: skip
        if added:
            # The column name is part of the version's schema: it goes under `schema`, the
            # restricted property, so the audit trail redacts it as it does the schema.
            after = {"schema": [{"name": column, "classifications": added}]}
            change = Change("classification.add", version, None, after, reason)
            await audit.record(tx, actor=actor, changes=[change])

    await graph.write(work)
