"""The catalog's questions, each one purpose-built query: trace, reproducibility, ownership,
production view, search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from lineage_catalog.domain.model import EdgeRecord, Kind, NodeRecord, Rel
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.nodes import in_utc, native, property_pairs, to_node


@dataclass(frozen=True, slots=True)
class Upstream:
    """A lineage subgraph: runs, entity versions, commits, and the edges among them."""

    nodes: list[NodeRecord]
    edges: list[EdgeRecord]


async def upstream(
    graph: Graph, *, uids: list[str], depth: int, as_of: datetime | None = None
) -> Upstream:
    """Runs, inputs and commits upstream of uids, up to depth run-levels (one statement);
    with as_of, only runs started by then."""
    rows = await graph.read("lineage/upstream", uids=uids, depth=depth, as_of=as_of)
    return _subgraph(rows)


async def downstream(
    graph: Graph, *, uids: list[str], depth: int, as_of: datetime | None = None
) -> Upstream:
    """Runs and entity versions downstream of uids, up to depth run-levels (one statement);
    with as_of, only runs started by then."""
    rows = await graph.read("lineage/downstream", uids=uids, depth=depth, as_of=as_of)
    return _subgraph(rows)


def _subgraph(rows: list[dict[str, Any]]) -> Upstream:
    if not rows:
        return Upstream(nodes=[], edges=[])
    (row,) = rows
    nodes = sorted((to_node(n) for n in row["nodes"]), key=lambda n: (n.kind, n.key))
    edges = [
        EdgeRecord(type=Rel(e["type"]), source=e["source"], target=e["target"], props={})
        for e in row["edges"] or []
    ]
    edges.sort(key=lambda e: (e.source, e.type, e.target))
    return Upstream(nodes=nodes, edges=edges)


@dataclass(frozen=True, slots=True)
class Reproducibility:
    model_version: NodeRecord
    run: NodeRecord | None
    commit: NodeRecord | None
    inputs: list[NodeRecord]


async def reproducibility(graph: Graph, *, uid: str) -> Reproducibility | None:
    """What it takes to rebuild a model version: its training run, commit and inputs."""
    rows = await graph.read("questions/reproducibility", uid=uid)
    if not rows:
        return None
    (row,) = rows
    return Reproducibility(
        model_version=to_node(row["model_version"]),
        run=to_node(row["run"]) if row["run"] else None,
        commit=to_node(row["commit"]) if row["commit"] else None,
        inputs=[to_node(n) for n in row["inputs"]],
    )


@dataclass(frozen=True, slots=True)
class Owned:
    owner: NodeRecord
    target: NodeRecord
    edge: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OwnerOf:
    """An owner of the node `origin`: the OWNS link is on `holder`, the node itself or, when
    inherited, its parent (the dataset of a dataset version, the model of a model version)."""

    origin: str
    owner: NodeRecord
    holder: str
    edge: dict[str, Any]

    @property
    def inherited(self) -> bool:
        return self.holder != self.origin


async def owners_of(
    graph: Graph, *, uids: list[str], at: datetime, limit: int
) -> dict[str, list[OwnerOf]]:
    """For each uid, its owners at `at`, direct and inherited from its parent, direct first:
    the catalog's one ownership rule (one statement for all uids)."""
    rows = await graph.read_collected("questions/owners_of", uids=uids, at=at, limit=limit)
    found: dict[str, list[OwnerOf]] = {}
    for row in rows:
        owner = OwnerOf(
            origin=row["origin"],
            owner=to_node(row),
            holder=row["holder"],
            edge=property_pairs(row["edge"]),
        )
        found.setdefault(owner.origin, []).append(owner)
    return found


async def owned_by(graph: Graph, *, owner: str, include_teams: bool, at: datetime) -> list[Owned]:
    """What owner owns at `at` (and, for a person, optionally what their teams own): each
    OWNS link on what it points to, a version included; never inherited."""
    rows = await graph.read("questions/owned_by", owner=owner, include_teams=include_teams, at=at)
    return [
        Owned(
            owner=to_node(
                {"kind": r["owner_kind"], "key": r["owner_key"], "props": r["owner_props"]}
            ),
            target=to_node(r),
            edge={k: native(v) for k, v in r["edge"].items()},
        )
        for r in rows
    ]


async def unowned(
    graph: Graph, *, kinds: Sequence[Kind], after: str, limit: int, at: datetime
) -> tuple[list[NodeRecord], bool]:
    """Things of kinds with no owner at `at` by the rule of `owners_of` (a version with an
    owner of its own or of its parent is owned), in uid order; and whether more follow."""
    rows = await graph.read(
        "questions/unowned", kinds=[k.value for k in kinds], after=after, limit=limit, at=at
    )
    found = [to_node(r) for r in rows]
    return found[:limit], len(found) > limit


async def unowned_count(graph: Graph, *, kinds: Sequence[Kind], at: datetime) -> int:
    """How many things `unowned` finds on every page."""
    (row,) = await graph.read("questions/unowned_count", kinds=[k.value for k in kinds], at=at)
    return int(row["total"])


async def production_view(graph: Graph, *, at: datetime) -> list[NodeRecord]:
    """Deployments serving something at `at`."""
    return [to_node(r) for r in await graph.read("questions/production_view", at=at)]


async def search(
    graph: Graph,
    *,
    words: str | None,
    key: str | None,
    kinds: Sequence[Kind],
    tag: str | None,
    classification: str | None,
    limit: int,
) -> list[tuple[NodeRecord, float, str]]:
    """(entity, score, how it matched), best first: by key (exact, then prefix) and by words
    (a Lucene query over both full-text indexes), or by a tag and classification alone."""
    params: dict[str, Any] = {
        "kinds": [k.value for k in kinds],
        "tag": tag,
        "classification": classification,
        "limit": limit,
    }
    if words:
        rows = await graph.read("questions/search_text", words=words, key=key, **params)
        return [(to_node(r), float(r["score"]), str(r["match"])) for r in rows]
    rows = await graph.read("questions/search_facets", **params)
    return [(to_node(r), float(r["score"]), "FILTERS") for r in rows]


@dataclass(frozen=True, slots=True)
class DeploymentPredictions:
    deployment: NodeRecord
    model_version: str
    predictions: int
    first: datetime | None
    last: datetime | None


async def prediction_impact(
    graph: Graph, *, model_versions: list[str], as_of: datetime | None = None
) -> list[DeploymentPredictions]:
    """Per deployment that served one of model_versions: how many predictions it made, when
    (by the day counts; as_of's own day, up to as_of, by the predictions)."""
    at = in_utc(as_of) if as_of is not None else None
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0) if at else None
    rows = await graph.read(
        "questions/prediction_impact",
        model_versions=model_versions,
        as_of=at,
        last_full_day=(midnight - timedelta(days=1)).date() if midnight else date.max,
        as_of_day_start=midnight,
    )
    return [
        DeploymentPredictions(
            deployment=to_node(r), model_version=r["model_version"],
            predictions=int(r["predictions"]), first=native(r["first"]), last=native(r["last"]),
        )
        for r in rows
    ]  # fmt: skip


async def classifications_of(
    graph: Graph, *, uids: list[str], as_of: datetime | None = None
) -> dict[str, list[tuple[str, str]]]:
    """For each uid: (classification, holder uid) set on it or on its parent."""
    found: dict[str, list[tuple[str, str]]] = {}
    for row in await graph.read("questions/classifications_of", uids=uids, as_of=as_of):
        found.setdefault(row["uid"], []).append((row["classification"], row["holder"]))
    return found


async def start_points(
    graph: Graph, *, uid: str, latest: bool, as_of: datetime | None, serving_at: datetime
) -> list[NodeRecord]:
    """The versions of a Dataset or Model, or the runs of a Job, newest first (with latest,
    only the newest; with as_of, those recorded or started by then); the model versions a
    Deployment serves at serving_at; the one that made a Prediction. One statement."""
    rows = await graph.read(
        "lineage/start_points",
        uid=uid,
        latest=latest,
        as_of=as_of,
        serving_at=in_utc(serving_at),
    )
    return [to_node(p) for p in rows[0]["points"]] if rows else []
