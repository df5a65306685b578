"""Lineage analytics: impact of a dataset version (Q2) and classifications upstream (Q4)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from lineage_catalog.domain.model import Kind, Rel
from lineage_catalog.store import questions
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.questions import DeploymentPredictions, Upstream


@dataclass(frozen=True, slots=True)
class Impact:
    """Everything downstream of a dataset version, and the predictions made from it."""

    downstream: Upstream
    deployments: list[DeploymentPredictions]


async def impact_of_dataset_version(
    graph: Graph, *, uid: str, depth: int, as_of: datetime | None = None
) -> Impact:
    """Q2: downstream entities, deployments serving affected versions, prediction counts
    (as of a time: runs started, serving begun and predictions made before it)."""
    down = await questions.downstream(graph, uids=[uid], depth=depth, as_of=as_of)
    affected = [n.uid for n in down.nodes if n.kind == Kind.MODEL_VERSION]
    served = (
        await questions.prediction_impact(graph, model_versions=affected, as_of=as_of)
        if affected
        else []
    )
    return Impact(downstream=down, deployments=served)


async def lineage_around(
    graph: Graph,
    *,
    uid: str,
    depth: int,
    upstream: bool,
    downstream: bool,
    as_of: datetime | None = None,
) -> Upstream:
    """The lineage subgraph up- and/or downstream of a node, nodes in id order."""
    parts = []
    if upstream:
        parts.append(await questions.upstream(graph, uids=[uid], depth=depth, as_of=as_of))
    if downstream:
        parts.append(await questions.downstream(graph, uids=[uid], depth=depth, as_of=as_of))
    nodes = {n.uid: n for part in parts for n in part.nodes if n.uid != uid}
    edges = {(e.type, e.source, e.target): e for part in parts for e in part.edges}
    return Upstream(
        nodes=sorted(nodes.values(), key=lambda n: n.uid),
        edges=sorted(edges.values(), key=lambda e: (e.source, e.type, e.target)),
    )


@dataclass(frozen=True, slots=True)
class ClassifiedPath:
    """A classification found upstream, who holds it, and the lineage path to it."""

    classification: str
    holder: str
    path: list[str]


async def classifications_upstream(
    graph: Graph, *, uid: str, up: Upstream, as_of: datetime | None = None
) -> list[ClassifiedPath]:
    """Q4: classifications upstream of a node, from its upstream lineage `up` (as of a
    time), computed now, never copied."""
    entities = [uid] + [n.uid for n in up.nodes if n.kind not in (Kind.RUN, Kind.CODE_COMMIT)]
    found = await questions.classifications_of(graph, uids=entities, as_of=as_of)
    parents = _shortest_paths(uid, up)
    paths = []
    for entity in entities:
        for classification, holder in found.get(entity, []):
            path = _path_to(entity, parents)
            if holder != entity:
                path.append(holder)
            paths.append(ClassifiedPath(classification=classification, holder=holder, path=path))
    return sorted(paths, key=lambda p: (p.classification, len(p.path), p.path))


def _shortest_paths(start: str, up: Upstream) -> dict[str, str | None]:
    """Breadth-first over the upstream edges: each node's predecessor on a shortest path."""
    step: dict[str, list[str]] = {}
    for edge in up.edges:
        if edge.type == Rel.GENERATED:  # entity -> the run that generated it
            step.setdefault(edge.target, []).append(edge.source)
        elif edge.type == Rel.USED:  # run -> what it used
            step.setdefault(edge.source, []).append(edge.target)
    parents: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        for there in sorted(step.get(here, [])):
            if there not in parents:
                parents[there] = here
                queue.append(there)
    return parents


def _path_to(node: str, parents: dict[str, str | None]) -> list[str]:
    path: list[str] = []
    current: str | None = node
    while current is not None:
        path.append(current)
        current = parents.get(current)
    return path[::-1]
