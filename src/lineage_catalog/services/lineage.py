"""Lineage analytics: the lineage around a node at version or entity level, impact of a
dataset version (Q2) and classifications upstream (Q4), from any level: a version or run,
or a node standing for others (a Dataset, Model or Job for its versions or runs, a
Deployment for the versions it serves, a Prediction for the version that made it)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from lineage_catalog.domain.model import Kind, NodeRecord, Rel, split_uid, uid
from lineage_catalog.store import nodes, questions
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.questions import DeploymentPredictions, Upstream

# The nodes whose lineage is that of others: a Dataset's or Model's versions, a Job's runs,
# the model versions a Deployment serves, the model version that made a Prediction.
VERSIONED = frozenset({Kind.DATASET, Kind.MODEL, Kind.JOB})  # `latest` picks the newest
GROUPS = VERSIONED | {Kind.DEPLOYMENT, Kind.PREDICTION}
# Said in the SDL of every question that starts from GROUPS (lineage, impact, Q4).
STANDS_FOR = (
    "A Deployment stands for the model versions it serves (at asOf, else now), a "
    "Prediction for the model version that made it."
)


@dataclass(frozen=True, slots=True)
class Start:
    """Where a walk starts: the node asked about and, for one of GROUPS, the nodes it stands
    for (None: the node walks from itself)."""

    uid: str
    points: list[NodeRecord] | None = None

    @property
    def uids(self) -> list[str]:
        """The uids the walk starts from."""
        return [p.uid for p in self.points] if self.points is not None else [self.uid]


async def start_of(
    graph: Graph,
    *,
    uid: str,
    latest: bool = False,
    as_of: datetime | None = None,
    serving_at: datetime | None = None,
) -> Start:
    """The start of a walk from the node `uid`: a Dataset or Model by its versions, a Job by
    its runs (every one, or the newest with `latest`; recorded or started by as_of); a
    Deployment by the model versions it serves at `serving_at` (else as_of, else now); a
    Prediction by the model version that made it; any other node by itself, without a
    statement."""
    kind, _ = split_uid(uid)
    if kind not in GROUPS:
        return Start(uid)
    at = serving_at or as_of or nodes.now()
    points = await questions.start_points(
        graph, uid=uid, latest=latest and kind in VERSIONED, as_of=as_of, serving_at=at
    )
    return Start(uid, points)


@dataclass(frozen=True, slots=True)
class Impact:
    """Everything downstream of a dataset version, and the predictions made from it."""

    downstream: Upstream
    deployments: list[DeploymentPredictions]


async def impact_of_dataset_version(
    graph: Graph, *, start: Start, depth: int, as_of: datetime | None = None
) -> Impact:
    """Q2: downstream entities, deployments serving affected versions, prediction counts
    (as of a time: runs started, serving begun and predictions made before it). The start's
    own model versions (of a Model) count as affected."""
    down = await _walk(graph, start=start, depth=depth, upstream=False, as_of=as_of)
    found = [n for n in down.nodes if n.uid != start.uid]
    affected = sorted(
        {n.uid for n in [*found, *(start.points or [])] if n.kind == Kind.MODEL_VERSION}
        | ({start.uid} if split_uid(start.uid)[0] == Kind.MODEL_VERSION else set())
    )
    served = (
        await questions.prediction_impact(graph, model_versions=affected, as_of=as_of)
        if affected
        else []
    )
    return Impact(downstream=Upstream(nodes=found, edges=down.edges), deployments=served)


async def _walk(
    graph: Graph, *, start: Start, depth: int, upstream: bool, as_of: datetime | None
) -> Upstream:
    if not start.uids:  # a Dataset with no version yet, a Job that never ran
        return Upstream(nodes=[], edges=[])
    walk = questions.upstream if upstream else questions.downstream
    return await walk(graph, uids=start.uids, depth=depth, as_of=as_of)


async def lineage_around(
    graph: Graph,
    *,
    start: Start,
    depth: int,
    upstream: bool,
    downstream: bool,
    as_of: datetime | None = None,
) -> Upstream:
    """The lineage subgraph up- and/or downstream of a start, nodes in id order: the union
    of the subgraphs of its versions or runs, which are among the nodes; the node asked
    about is not."""
    parts = []
    if upstream:
        parts.append(await _walk(graph, start=start, depth=depth, upstream=True, as_of=as_of))
    if downstream:
        parts.append(await _walk(graph, start=start, depth=depth, upstream=False, as_of=as_of))
    found = [n for part in parts for n in part.nodes] + list(start.points or [])
    by_uid = {n.uid: n for n in found if n.uid != start.uid}
    edges = {(e.type, e.source, e.target): e for part in parts for e in part.edges}
    return Upstream(
        nodes=sorted(by_uid.values(), key=lambda n: n.uid),
        edges=sorted(edges.values(), key=lambda e: (e.source, e.type, e.target)),
    )


class Flow(StrEnum):
    """An edge of entity-level lineage, in the direction data flows (as Marquez draws it)."""

    INPUT = "INPUT"  # dataset -> a job whose runs read a version of it
    OUTPUT = "OUTPUT"  # job -> a dataset its runs wrote a version of


@dataclass(frozen=True, slots=True)
class EntityLineage:
    """Lineage at entity level: jobs and datasets (models, features, evaluations), with the
    flows among them, nodes in id order."""

    nodes: list[NodeRecord]
    edges: list[tuple[Flow, str, str]]


def entity_of(node: NodeRecord) -> str | None:
    """The entity a lineage node stands for: a run's Job, a version's Dataset or Model; a
    feature or evaluation (no versions), or a run recorded without a job, itself; a code
    commit none (it is not data)."""
    parent = {Kind.RUN: (Kind.JOB, "job"), Kind.DATASET_VERSION: (Kind.DATASET, "dataset"),
              Kind.MODEL_VERSION: (Kind.MODEL, "model")}.get(node.kind)  # fmt: skip
    if node.kind == Kind.CODE_COMMIT:
        return None
    if parent is None:
        return node.uid
    key = node.props.get(parent[1])
    return uid(parent[0], str(key)) if key else node.uid


async def entity_lineage(graph: Graph, *, start: NodeRecord, found: Upstream) -> EntityLineage:
    """The version-level subgraph `found` (from `lineage_around`) projected to entities:
    each node onto its entity (entity_of), a USED edge onto an INPUT flow from the
    dataset to the job, a GENERATED edge onto an OUTPUT flow from the job to the dataset;
    the start's entity left out, as the start is. One statement loads the entities."""
    by_uid = {n.uid: n for n in found.nodes}
    entity = {n.uid: entity_of(n) for n in found.nodes}
    edges: set[tuple[Flow, str, str]] = set()
    for e in found.edges:
        activity, thing = entity.get(e.source), entity.get(e.target)
        if activity is None or thing is None:
            continue
        if e.type == Rel.USED:
            edges.add((Flow.INPUT, thing, activity))
        elif e.type == Rel.GENERATED:
            edges.add((Flow.OUTPUT, activity, thing))
    own = entity_of(start) or start.uid
    wanted = {e for e in entity.values() if e is not None and e != own}
    missing = sorted(wanted - set(by_uid))
    loaded = await nodes.nodes_by_uid(graph, uids=missing) if missing else {}
    records = {u: by_uid.get(u) or loaded.get(u) for u in wanted}
    kept = {u: r for u, r in records.items() if r is not None}
    return EntityLineage(
        nodes=sorted(kept.values(), key=lambda n: n.uid),
        edges=sorted(e for e in edges if {e[1], e[2]} <= set(kept) | {own}),
    )


@dataclass(frozen=True, slots=True)
class ClassifiedPath:
    """A classification found upstream, who holds it, and the lineage path to it."""

    classification: str
    holder: str
    path: list[str]


async def classifications_upstream(
    graph: Graph, *, start: Start, up: Upstream, as_of: datetime | None = None
) -> list[ClassifiedPath]:
    """Q4: classifications upstream of a node, from its upstream lineage `up` (as of a
    time), computed now, never copied. From a Dataset, Model or Job the paths go through
    its versions or runs; what is set on the entity itself is found once, at the start."""
    points = [p.uid for p in start.points or []]
    lineage = [n.uid for n in up.nodes if n.kind not in (Kind.RUN, Kind.CODE_COMMIT)]
    kinds = {p.uid: p.kind for p in start.points or []}
    entities = list(dict.fromkeys([start.uid, *(p for p in points if kinds[p] != Kind.RUN),
                                   *lineage]))  # fmt: skip
    found = await questions.classifications_of(graph, uids=entities, as_of=as_of)
    parents = _shortest_paths(start.uid, points, up)
    paths = []
    for entity in entities:
        for classification, holder in found.get(entity, []):
            if holder == start.uid and entity != start.uid:
                continue  # the entity's own, inherited back by its versions
            path = _path_to(entity, parents)
            if holder != entity:
                path.append(holder)
            paths.append(ClassifiedPath(classification=classification, holder=holder, path=path))
    return sorted(paths, key=lambda p: (p.classification, len(p.path), p.path))


def _shortest_paths(start: str, points: list[str], up: Upstream) -> dict[str, str | None]:
    """Breadth-first over the upstream edges: each node's predecessor on a shortest path
    (an entity's versions or runs come right after it)."""
    step: dict[str, list[str]] = {start: sorted(points)}
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
