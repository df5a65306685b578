"""Q1 in one statement: a prediction's (or a model version's) trace with what its nested
fields ask next (owners, parents, commit authors, run commits), for the DataLoaders."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lineage_catalog.domain.model import EdgeRecord, Neighbor, NodeRecord, Rel
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.nodes import property_pairs, to_node
from lineage_catalog.store.questions import OwnerOf, Upstream

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Trace:
    """What lineage/trace.cypher found. `nodes` holds every node it returned, by uid: the
    prediction, model version, deployment, the upstream ones, owners, the nodes holding
    what they own and versions' parents. `owners`, `authors` and `run_commits` are None
    when not asked for; else they map each owned thing, commit or run to its owners /
    AUTHORED in-neighbours / EXECUTED out-neighbours (absent: none)."""

    prediction: NodeRecord | None
    model_version: NodeRecord | None
    deployment: NodeRecord | None
    upstream: Upstream
    nodes: dict[str, NodeRecord]
    owners: dict[str, list[OwnerOf]] | None
    authors: dict[str, list[Neighbor]] | None
    run_commits: dict[str, list[Neighbor]] | None


async def trace(
    graph: Graph,
    *,
    prediction: str | None,
    model_version: str | None,
    depth: int,
    at: datetime,
    limit: int,
    owners: bool,
    authors: bool,
    run_commits: bool,
) -> Trace:
    """The trace of the prediction uid `prediction`, or with None of the model version uid
    `model_version`, up to depth run-levels; owners at `at`, at most `limit` per thing and
    neighbours per node (one statement)."""
    since = at - _EPOCH
    (row,) = await graph.read(
        "lineage/trace",
        prediction=prediction,
        model_version=model_version,
        depth=depth,
        at_s=since.days * 86_400 + since.seconds,
        at_ns=since.microseconds * 1000,
        limit=limit,
        owners=owners,
        authors=authors,
        run_commits=run_commits,
    )
    nodes = {n.uid: n for n in map(to_node, row["nodes"])}
    found = sorted((nodes[u] for u in row["upstream"]), key=lambda n: (n.kind, n.key))
    edges = [
        EdgeRecord(type=Rel(e["type"]), source=e["source"], target=e["target"], props={})
        for e in row["edges"] or []
    ]
    edges.sort(key=lambda e: (e.source, e.type, e.target))
    return Trace(
        prediction=nodes.get(row["prediction"]) if row["prediction"] else None,
        model_version=nodes.get(row["model_version"]) if row["model_version"] else None,
        deployment=nodes.get(row["deployment"]) if row["deployment"] else None,
        upstream=Upstream(nodes=found, edges=edges),
        nodes=nodes,
        owners=_owners(row["owners"], nodes) if owners else None,
        authors=_neighbors(row["authors"], nodes) if authors else None,
        run_commits=_neighbors(row["run_commits"], nodes) if run_commits else None,
    )


def _owners(rows: list[dict[str, Any]], nodes: dict[str, NodeRecord]) -> dict[str, list[OwnerOf]]:
    found: dict[str, list[OwnerOf]] = defaultdict(list)
    for r in rows:
        found[r["origin"]].append(
            OwnerOf(origin=r["origin"], owner=nodes[r["owner"]], holder=r["holder"],
                    edge=property_pairs(r["edge"]))
        )  # fmt: skip
    return found


def _neighbors(
    rows: list[dict[str, Any]], nodes: dict[str, NodeRecord]
) -> dict[str, list[Neighbor]]:
    found: dict[str, list[Neighbor]] = defaultdict(list)
    for r in rows:
        found[r["origin"]].append(
            Neighbor(origin=r["origin"], node=nodes[r["node"]], edge=property_pairs(r["edge"]))
        )
    return found
