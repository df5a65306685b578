"""Batched, idempotent writes of many nodes and edges (demo data, generators, bulk loads)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lineage_catalog.domain.model import Kind, NodeRecord, Rel
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.nodes import encode_props, now

# A node to load is a node as stored: kind, key and properties.
NodeRow = NodeRecord


@dataclass(frozen=True, slots=True)
class EdgeRow:
    """A relationship; one with `valid_from` in props is an interval (SERVED, OWNS)."""

    rel: Rel
    source: str
    target: str
    props: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[str, int], None]


def _batches(rows: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def load_rows(
    graph: Graph,
    *,
    nodes: Sequence[NodeRow],
    edges: Sequence[EdgeRow],
    batch_size: int = 10_000,
    progress: Progress | None = None,
) -> None:
    """Write nodes, then edges, in batches of one transaction each; re-running changes nothing."""
    by_kind: dict[Kind, list[NodeRow]] = defaultdict(list)
    for node in nodes:
        by_kind[node.kind].append(node)
    for kind, rows in by_kind.items():
        for batch in _batches(rows, batch_size):
            payload = [
                {"uid": r.uid, "kind": kind.value, "key": r.key, "props": encode_props(r.props)}
                for r in batch
            ]
            await graph.write(_statement("node/bulk_upsert_nodes", rows=payload))
            if progress:
                progress(kind.value, len(batch))

    plain = [e for e in edges if "valid_from" not in e.props]
    intervals = [e for e in edges if "valid_from" in e.props]
    for batch in _batches(plain, batch_size):
        payload = [
            {
                "source": e.source,
                "target": e.target,
                "type": e.rel.value,
                "props": encode_props(e.props),
            }
            for e in batch
        ]
        await graph.write(_statement("node/merge_edges", rows=payload))
        if progress:
            progress("edges", len(batch))
    for batch in _batches(intervals, batch_size):
        payload = []
        for e in batch:
            stored = encode_props(e.props)
            payload.append(
                {
                    "source": e.source,
                    "target": e.target,
                    "type": e.rel.value,
                    "valid_from": stored.pop("valid_from"),
                    "props": stored,
                }
            )
        await graph.write(_statement("node/bulk_merge_interval_edges", rows=payload))
        if progress:
            progress("intervals", len(batch))


def _statement(name: str, **params: Any) -> Callable[[WriteTx], Any]:
    async def work(tx: WriteTx) -> None:
        await tx.run(name, now=now(), **params)

    return work
