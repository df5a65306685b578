"""Monitoring questions: the incidents open on a trace at a prediction's time, what an
incident touched (predictions per deployment while it was open), what it flags downstream
(with the lineage path, as classifications are traced), computed at query time."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lineage_catalog.domain.model import Kind, NodeRecord, Rel, split_uid
from lineage_catalog.domain.monitoring import Incident
from lineage_catalog.services import lineage
from lineage_catalog.services.lineage import Start
from lineage_catalog.store import monitoring as monitoring_store
from lineage_catalog.store import monitoring_reads as store
from lineage_catalog.store import questions
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.monitoring_reads import DeploymentCount, ImpactWindow, OpenIncident
from lineage_catalog.store.questions import Upstream


async def incidents_open_on(
    graph: Graph, *, uids: Sequence[str], at: datetime, limit: int
) -> list[OpenIncident]:
    """The incidents open at `at` about any node of uids (a dataset's about each of its
    versions), newest opened first (one statement)."""
    return await store.open_incidents_about(graph, uids=uids, at=at, limit=limit)


def _walk_starts(about: Sequence[str], versions: dict[str, list[str]]) -> dict[str, list[str]]:
    """Where lineage goes on from each node an incident is about: a dataset through its
    versions, a dataset version, feature or model version from itself, a deployment not."""
    starts: dict[str, list[str]] = {}
    for subject in about:
        kind, _ = split_uid(subject)
        if kind == Kind.DATASET:
            starts[subject] = versions.get(subject, [])
        elif kind in WALKABLE:
            starts[subject] = [subject]
    return starts


WALKABLE = frozenset({Kind.DATASET_VERSION, Kind.FEATURE, Kind.MODEL_VERSION})


def _reach(starts: dict[str, list[str]], down: Upstream, depth: int) -> dict[str, list[str]]:
    """Breadth-first from each subject along the downstream edges (a node -> the runs that
    used it -> what they generated), at most depth run levels: each node reached, the
    subject's versions included, with a shortest path from its subject, both included."""
    used_by: dict[str, list[str]] = {}
    generated: dict[str, list[str]] = {}
    for e in down.edges:
        if e.type == Rel.USED:
            used_by.setdefault(e.target, []).append(e.source)
        elif e.type == Rel.GENERATED:
            generated.setdefault(e.source, []).append(e.target)
    paths: dict[str, list[str]] = {subject: [subject] for subject in starts}
    for subject, points in sorted(starts.items()):
        for point in sorted(points):
            paths.setdefault(point, [subject, point])
    # Nearest first (a subject itself before a dataset's versions): breadth-first by
    # path length, so each path kept is a shortest one.
    first = sorted({p for points in starts.values() for p in points},
                   key=lambda p: (len(paths[p]), p))  # fmt: skip
    queue: deque[tuple[str, int]] = deque((p, 0) for p in first)
    while queue:
        here, level = queue.popleft()
        if level >= depth:
            continue
        for run in sorted(used_by.get(here, [])):
            if run in paths:
                continue
            paths[run] = [*paths[here], run]
            for out in sorted(generated.get(run, [])):
                if out not in paths:
                    paths[out] = [*paths[run], out]
                    queue.append((out, level + 1))
    return paths


@dataclass(frozen=True, slots=True)
class Reached:
    """What the incidents of a request reach downstream: per incident each node by uid with
    a shortest path from the node it is about; and the records of the nodes walked."""

    paths: dict[str, dict[str, list[str]]]
    records: dict[str, NodeRecord]


async def downstream_of_incidents(
    graph: Graph, *, incidents: Sequence[Incident], depth: int
) -> Reached:
    """For each incident, every node downstream of what it is about (computed now, never
    copied), by uid, with a shortest lineage path from the node it is about: at most two
    statements for all (a dataset's versions, then one walk from every start)."""
    about = {i.key: [n.uid for n in i.about] for i in incidents}
    datasets = sorted({u for us in about.values() for u in us
                       if split_uid(u)[0] == Kind.DATASET})  # fmt: skip
    versions = await store.versions_of_datasets(graph, uids=datasets)
    starts = {key: _walk_starts(us, versions) for key, us in about.items()}
    points = sorted({p for s in starts.values() for ps in s.values() for p in ps})
    down = (await questions.downstream(graph, uids=points, depth=depth) if points
            else Upstream(nodes=[], edges=[]))  # fmt: skip
    records = {n.uid: n for n in down.nodes}
    records.update({n.uid: n for i in incidents for n in i.about})
    return Reached({key: _reach(s, down, depth) for key, s in starts.items()}, records)


@dataclass(frozen=True, slots=True)
class IncidentImpact:
    """The predictions an incident touched while open, per deployment (counts only)."""

    incident: str
    start: datetime
    end: datetime | None
    model_versions: list[str]
    deployments: list[DeploymentCount]


async def incident_impacts(
    graph: Graph, *, incidents: Sequence[Incident], depth: int, now: datetime
) -> dict[str, IncidentImpact]:
    """For each incident, the predictions made while it was open ([openedAt, closedAt), or
    up to now) by the deployments it is about (every one) and, elsewhere, by the model
    versions it affects (about them or downstream of what it is about): counts and first
    and last times per deployment; at most three statements for all."""
    reached = (await downstream_of_incidents(graph, incidents=incidents, depth=depth)).paths
    windows, affected = [], {}
    for i in incidents:
        about = [n.uid for n in i.about]
        mvs = sorted({u for u in [*about, *reached[i.key]]
                      if split_uid(u)[0] == Kind.MODEL_VERSION})  # fmt: skip
        affected[i.key] = mvs
        windows.append(ImpactWindow(
            key=i.key, start=i.opened_at, end=i.closed_at or now,
            deployments=[split_uid(u)[1] for u in about if split_uid(u)[0] == Kind.DEPLOYMENT],
            model_versions=[split_uid(u)[1] for u in mvs],
        ))  # fmt: skip
    counts = await store.incident_impact(graph, windows=windows)
    return {
        i.key: IncidentImpact(i.key, i.opened_at, i.closed_at, affected[i.key], counts[i.key])
        for i in incidents
    }


@dataclass(frozen=True, slots=True)
class Flag:
    """A model version or deployment an incident flags, with the lineage path to it from
    the node the incident is about (both included)."""

    node: NodeRecord
    path: list[str]


async def incident_flags(
    graph: Graph, *, incidents: Sequence[Incident], depth: int, at: datetime
) -> dict[str, list[Flag]]:
    """For each incident, the model versions downstream of what it is about and the
    deployments serving those (or a version it is about) at `at`, each with a shortest
    path, computed now as classifications are: at most three statements for all. Flags
    come by kind (model versions first), then path length, then id."""
    reached = await downstream_of_incidents(graph, incidents=incidents, depth=depth)
    versions: dict[str, dict[str, list[str]]] = {}
    for i in incidents:
        paths = reached.paths[i.key]
        mine = {u: p for u, p in paths.items() if split_uid(u)[0] == Kind.MODEL_VERSION}
        mine.update({n.uid: [n.uid] for n in i.about if n.kind == Kind.MODEL_VERSION})
        versions[i.key] = mine
    serving = await store.deployments_serving(
        graph, uids=[u for v in versions.values() for u in v], at=at
    )
    found: dict[str, list[Flag]] = {}
    for i in incidents:
        about = {n.uid for n in i.about}
        flags = {u: Flag(reached.records[u], p) for u, p in versions[i.key].items()
                 if u not in about and u in reached.records}  # fmt: skip
        for mv, path in sorted(versions[i.key].items(), key=lambda kv: (len(kv[1]), kv[0])):
            for d in serving.get(mv, []):
                if d.uid not in about and d.uid not in flags:
                    flags[d.uid] = Flag(d, [*path, d.uid])
        found[i.key] = sorted(flags.values(),
                              key=lambda f: (f.node.kind != Kind.MODEL_VERSION, len(f.path),
                                             f.node.uid))  # fmt: skip
    return found


@dataclass(frozen=True, slots=True)
class IncidentPath:
    """An incident open upstream of a node, what it is about, and the lineage path from the
    node to that (both included)."""

    incident: Incident
    subject: str
    path: list[str]


async def incidents_upstream(
    graph: Graph, *, start: Start, up: Upstream, at: datetime, limit: int
) -> list[IncidentPath]:
    """The incidents open at `at` about a node or anything upstream of it (`up`, from its
    start), each with the shortest lineage path from the node to what it is about, as
    classifications upstream are answered (one statement more than the walk). An incident
    about several such nodes comes once per node, nearest first."""
    points = [p.uid for p in start.points or []]
    lineage_uids = [n.uid for n in up.nodes if n.kind not in (Kind.RUN, Kind.CODE_COMMIT)]
    uids = list(dict.fromkeys([start.uid, *points, *lineage_uids]))
    found = await store.open_incidents_about(graph, uids=uids, at=at, limit=limit)
    # The classifications' path rule (services/lineage.py), so both answers agree.
    parents = lineage._shortest_paths(start.uid, points, up)
    paths = []
    for o in found:
        best: dict[str, list[str]] = {}
        for node, subject in o.ties:
            path = lineage._path_to(node, parents)
            if subject != node:
                path.append(subject)
            if subject not in best or len(path) < len(best[subject]):
                best[subject] = path
        paths += [IncidentPath(o.incident, s, p) for s, p in best.items()]
    return sorted(paths, key=lambda p: (len(p.path), p.path, p.incident.key))


async def health_of_targets(
    graph: Graph, *, targets: Sequence[str], at: datetime, limit: int
) -> dict[str, monitoring_store.Health]:
    """The health of many nodes at `at` (monitors with their latest value, incidents open
    then), by uid, in one statement."""
    return await monitoring_store.health_of_targets(graph, targets=targets, at=at, limit=limit)
