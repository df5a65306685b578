"""Batched, idempotent writes of many nodes and edges (demo data, generators, bulk loads)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, NodeRecord, Rel, split_uid
from lineage_catalog.domain.rules import PROPERTY_LINKS, check_link
from lineage_catalog.store import predictions
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


def _kind(node_uid: str) -> Kind:
    return split_uid(node_uid, path=["uid"])[0]


def _batches(rows: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


_PREDICTION_PROPS = frozenset({"deployment", "model_version", "time", "output"})


def _prediction_groups(rows: Sequence[NodeRow]) -> list[dict[str, Any]]:
    """Prediction nodes as the prediction statements take them (store/predictions.py)."""
    for r in rows:
        if not set(r.props) <= _PREDICTION_PROPS or predictions.made(r.props) is None:
            raise BadInputError(
                f"prediction {r.key}: deployment, model_version and time are needed, and "
                f"only {', '.join(sorted(_PREDICTION_PROPS))} are stored",
                path=["props"],
            )
    return predictions.prediction_groups(
        [r.key, predictions.micros(r.props["time"]), r.props.get("output"),
         r.props["deployment"], r.props["model_version"]]
        for r in rows
    )  # fmt: skip


async def write_batch(tx: WriteTx, *, nodes: Sequence[NodeRow], edges: Sequence[EdgeRow]) -> None:
    """Write one batch of nodes and then edges inside the caller's transaction."""
    stamp = now()
    by_kind: dict[Kind, list[NodeRow]] = defaultdict(list)
    for node in nodes:
        by_kind[node.kind].append(node)
    made = by_kind.pop(Kind.PREDICTION, [])
    if made:  # written as every batch writes predictions, day counts with them
        await predictions.write_predictions(tx, _prediction_groups(made))
    for kind, rows in by_kind.items():
        payload = [
            {"uid": r.uid, "kind": kind.value, "key": r.key, "props": encode_props(r.props)}
            for r in rows
        ]
        await tx.run("node/bulk_upsert_nodes", rows=payload, now=stamp)
    plain, intervals = [], []
    for e in edges:
        # The one table of which kinds a relationship joins holds for batches too (bulk
        # files, the demo, generated test catalogs), not only for the interfaces.
        check_link(e.rel, _kind(e.source), _kind(e.target), source_path=["source"],
                   target_path=["target"])  # fmt: skip
        if e.rel in PROPERTY_LINKS:
            names = " and ".join(sorted(PROPERTY_LINKS[e.rel].values()))
            raise BadInputError(
                f"{e.rel.value} is stored as the source node's {names} properties, not as a "
                "relationship: give them with the node",
                path=["type"],
            )
        if e.rel is Rel.SERVED and e.props.get("imported") is not True:
            # Serving that the lifecycle did not record is history, and says so; the
            # lifecycle (services/serving.py) never writes through batches.
            raise BadInputError(
                "a batched SERVED edge must be marked imported: serving is recorded by the "
                "lifecycle, batches only bring in history",
                path=["imported"],
            )
        stored = encode_props(e.props)
        row = {"source": e.source, "target": e.target, "type": e.rel.value, "props": stored}
        if "valid_from" in stored:
            row["valid_from"] = stored.pop("valid_from")
            intervals.append(row)
        else:
            plain.append(row)
    if plain:
        await tx.run("node/merge_edges", rows=plain, now=stamp)
    if intervals:
        await tx.run("node/bulk_merge_interval_edges", rows=intervals, now=stamp)


async def load_rows(
    graph: Graph,
    *,
    nodes: Sequence[NodeRow],
    edges: Sequence[EdgeRow],
    batch_size: int = 10_000,
    progress: Progress | None = None,
) -> None:
    """Write nodes, then edges, in batches of one transaction each; re-running changes nothing."""
    for batch in _batches(nodes, batch_size):
        await graph.write(_batch_work(nodes=batch, edges=()))
        if progress:
            progress("nodes", len(batch))
    for edge_batch in _batches(edges, batch_size):
        await graph.write(_batch_work(nodes=(), edges=edge_batch))
        if progress:
            progress("edges", len(edge_batch))


def _batch_work(
    *, nodes: Sequence[NodeRow], edges: Sequence[EdgeRow]
) -> Callable[[WriteTx], Awaitable[None]]:
    async def work(tx: WriteTx) -> None:
        await write_batch(tx, nodes=nodes, edges=edges)

    return work
