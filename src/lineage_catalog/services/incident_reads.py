"""Monitoring questions: the incidents open on a trace at a prediction's time, what an
incident touched (predictions per deployment while it was open), what it flags downstream
(with the lineage path, as classifications are traced), computed at query time."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lineage_catalog.domain.model import Kind, Rel, split_uid
from lineage_catalog.domain.monitoring import Incident
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
    paths: dict[str, list[str]] = {}
    queue: deque[tuple[str, int]] = deque()
    for subject, points in sorted(starts.items()):
        paths.setdefault(subject, [subject])
        for point in sorted(points):
            if point not in paths:
                paths[point] = [subject, point]
                queue.append((point, 0))
        if subject in points:
            queue.append((subject, 0))
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


async def downstream_of_incidents(
    graph: Graph, *, incidents: Sequence[Incident], depth: int
) -> dict[str, dict[str, list[str]]]:
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
    return {key: _reach(s, down, depth) for key, s in starts.items()}


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
    reached = await downstream_of_incidents(graph, incidents=incidents, depth=depth)
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
