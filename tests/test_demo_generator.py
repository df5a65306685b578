"""The demo generator: deterministic, internally consistent, and loaded exactly into Neo4j.

The generator's rows are the expectations other tests compute answers from, so these checks
recompute every invariant from the rows themselves (networkx for lineage), not from Cypher.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import networkx as nx
import pytest
from neo4j import Driver

from lineage_catalog.demo import (
    DEFAULT_NOW,
    GeneratedCatalog,
    generate,
    load_catalog,
    load_demo,
    more_predictions,
)
from lineage_catalog.domain.model import Kind, Rel, RunKind, RunStatus, ServingRole, Stage, uid
from lineage_catalog.settings import Settings
from lineage_catalog.store.bulk import EdgeRow, NodeRow, load_rows
from lineage_catalog.store.graph import Graph, open_driver
from tests.conftest import TEST_ACTOR

K = Kind
ENDPOINTS = {  # rel: (source kinds, target kinds)
    Rel.USED: ({K.RUN}, {K.DATASET_VERSION, K.FEATURE, K.MODEL_VERSION}),
    Rel.GENERATED: ({K.RUN}, {K.DATASET_VERSION, K.FEATURE, K.MODEL_VERSION, K.EVALUATION}),
    Rel.EXECUTED: ({K.RUN}, {K.CODE_COMMIT}),
    Rel.VERSION_OF: ({K.DATASET_VERSION, K.MODEL_VERSION}, {K.DATASET, K.MODEL}),
    Rel.SERVED: ({K.DEPLOYMENT}, {K.MODEL_VERSION}),
    Rel.MADE_BY: ({K.PREDICTION}, {K.DEPLOYMENT, K.MODEL_VERSION}),
    Rel.OWNS: ({K.PERSON, K.TEAM}, {K.DATASET, K.FEATURE, K.JOB, K.MODEL, K.DEPLOYMENT}),
    Rel.AUTHORED: ({K.PERSON}, {K.CODE_COMMIT}),
    Rel.TRIGGERED: ({K.PERSON, K.SERVICE_ACCOUNT}, {K.RUN}),
    Rel.CLASSIFIED_AS: ({K.DATASET, K.FEATURE}, {K.CLASSIFICATION}),
    Rel.RUN_OF: ({K.RUN}, {K.JOB}),
    Rel.MEMBER_OF: ({K.PERSON}, {K.TEAM}),
}
LINEAGE_KINDS = {
    K.DATASET, K.DATASET_VERSION, K.FEATURE, K.CODE_COMMIT, K.JOB, K.RUN, K.MODEL,
    K.MODEL_VERSION, K.EVALUATION, K.DEPLOYMENT,
}  # fmt: skip
EARLY_NOW = datetime(2025, 2, 14, 9, 30, tzinfo=UTC)


class Index:
    """A generated catalog indexed by uid and by relationship, in both directions."""

    def __init__(self, catalog: GeneratedCatalog, *, now: datetime, predictions: int) -> None:
        self.catalog, self.now, self.predictions = catalog, now, predictions
        self.nodes = {n.uid: n for n in catalog.nodes}
        self.out: dict[tuple[str, Rel], list[EdgeRow]] = defaultdict(list)
        self.into: dict[tuple[str, Rel], list[EdgeRow]] = defaultdict(list)
        for e in catalog.edges:
            self.out[e.source, e.rel].append(e)
            self.into[e.target, e.rel].append(e)

    def of(self, kind: Kind) -> list[NodeRow]:
        return [n for n in self.catalog.nodes if n.kind is kind]

    def edges(self, rel: Rel) -> list[EdgeRow]:
        return [e for e in self.catalog.edges if e.rel is rel]

    def raw(self, dataset_version: str) -> bool:
        parent = self.nodes[dataset_version].props["dataset"]
        return "raw" in self.nodes[uid(K.DATASET, parent)].props["tags"]


def live(edge: EdgeRow, at: datetime) -> bool:
    until = edge.props.get("valid_to")
    return bool(edge.props["valid_from"] <= at and (until is None or at < until))


@pytest.fixture(
    scope="module",
    params=[(1, DEFAULT_NOW, 3000), (3, EARLY_NOW, 5000)],
    ids=["scale1", "scale3-early-now"],
)
def ix(request: pytest.FixtureRequest) -> Index:
    scale, now, predictions = request.param
    catalog = generate(seed=7, scale=scale, predictions=predictions, now=now)
    return Index(catalog, now=now, predictions=predictions)


def test_generate_is_deterministic_per_seed() -> None:
    first, again, other = generate(seed=7), generate(seed=7), generate(seed=8)
    assert first.nodes == again.nodes
    assert first.edges == again.edges
    assert first.summary() == again.summary() == "2248 nodes, 652 edges, 2000 predictions"
    # Same shape, different random identities (run ids, commit shas, content hashes).
    assert Counter(n.kind for n in other.nodes) == Counter(n.kind for n in first.nodes)
    assert {n.uid for n in other.nodes} != {n.uid for n in first.nodes}


def test_keys_are_unique_and_edges_join_existing_nodes_of_the_right_kinds(ix: Index) -> None:
    assert len(ix.nodes) == len(ix.catalog.nodes)
    for e in ix.catalog.edges:
        sources, targets = ENDPOINTS[e.rel]
        assert ix.nodes[e.source].kind in sources, e
        assert ix.nodes[e.target].kind in targets, e
    plain = [(e.rel, e.source, e.target) for e in ix.catalog.edges if "valid_from" not in e.props]
    timed = [(e.rel, e.source, e.target, e.props["valid_from"])
             for e in ix.catalog.edges if "valid_from" in e.props]  # fmt: skip
    # Plain edges are merged on their endpoints, intervals on endpoints and valid_from.
    assert len(set(plain)) == len(plain)
    assert len(set(timed)) == len(timed)
    assert {e.rel for e in ix.catalog.edges if "valid_from" in e.props} == {Rel.SERVED, Rel.OWNS}
    for kind, parent_kind, parent in ((K.DATASET_VERSION, K.DATASET, "dataset"),
                                      (K.MODEL_VERSION, K.MODEL, "model")):  # fmt: skip
        for v in ix.of(kind):
            (edge,) = ix.out[v.uid, Rel.VERSION_OF]
            assert edge.target == uid(parent_kind, v.props[parent])
            assert v.key == f"{v.props[parent]}@{v.props['version']}"


def test_times_are_utc_and_before_now(ix: Index) -> None:
    def times(props: dict[str, Any]) -> list[datetime]:
        return [v for v in props.values() if isinstance(v, datetime)]

    stamps = [t for n in ix.catalog.nodes for t in times(n.props)]
    stamps += [t for e in ix.catalog.edges for t in times(e.props)]
    assert len(stamps) > len(ix.catalog.nodes)
    assert all(t.utcoffset() is not None and t.utcoffset().total_seconds() == 0 for t in stamps)
    assert max(stamps) < ix.now
    for e in ix.catalog.edges:
        if "valid_to" in e.props:
            assert e.props["valid_from"] < e.props["valid_to"]


def test_runs_execute_one_commit_and_every_derived_thing_has_one_generating_run(
    ix: Index,
) -> None:
    for run in ix.of(K.RUN):
        (commit,) = ix.out[run.uid, Rel.EXECUTED]
        (job,) = ix.out[run.uid, Rel.RUN_OF]
        (_trigger,) = ix.into[run.uid, Rel.TRIGGERED]
        assert job.target == uid(K.JOB, run.props["job"])
        assert ix.nodes[commit.target].props["authored_at"] <= run.props["started_at"]
        assert run.props["started_at"] < run.props["ended_at"]
        assert RunKind(run.props["run_kind"]) is not RunKind.OTHER
        assert {"python", "image", "packages"} <= run.props["environment"].keys()
        assert ix.out[run.uid, Rel.USED]
        if run.props["status"] == RunStatus.FAILED:
            assert not ix.out[run.uid, Rel.GENERATED]
        for output in ix.out[run.uid, Rel.GENERATED]:
            created = ix.nodes[output.target].props.get("created_at")
            assert created is None or created == run.props["ended_at"]
    triggers = {ix.nodes[e.source].kind for e in ix.edges(Rel.TRIGGERED)}
    assert triggers == {K.PERSON, K.SERVICE_ACCOUNT}
    assert {RunStatus.FAILED, RunStatus.COMPLETED} == {r.props["status"] for r in ix.of(K.RUN)}
    assert len({e.source for e in ix.edges(Rel.AUTHORED)}) >= 4
    for kind in (K.DATASET_VERSION, K.FEATURE, K.MODEL_VERSION, K.EVALUATION):
        for node in ix.of(kind):
            generating = ix.into[node.uid, Rel.GENERATED]
            if kind is K.DATASET_VERSION and ix.raw(node.uid):
                assert generating == [], node.key
            else:
                assert len(generating) == 1, node.key
    for evaluation in ix.of(K.EVALUATION):
        (made,) = ix.into[evaluation.uid, Rel.GENERATED]
        used = Counter(ix.nodes[e.target].kind for e in ix.out[made.source, Rel.USED])
        assert used == {K.MODEL_VERSION: 1, K.DATASET_VERSION: 1}


def test_lineage_is_a_dag_three_runs_deep_and_pii_reaches_both_models(ix: Index) -> None:
    g = nx.DiGraph()
    g.add_edges_from((e.target, e.source) for e in ix.edges(Rel.USED))
    g.add_edges_from((e.source, e.target) for e in ix.edges(Rel.GENERATED))
    assert nx.is_directed_acyclic_graph(g)
    runs_deep: dict[str, int] = {}  # most runs on a path from a raw dataset version
    for node in nx.topological_sort(g):
        before = [runs_deep[p] + (ix.nodes[p].kind is K.RUN) for p in g.predecessors(node)
                  if p in runs_deep]  # fmt: skip
        if before:
            runs_deep[node] = max(before)
        elif ix.nodes[node].kind is K.DATASET_VERSION and ix.raw(node):
            runs_deep[node] = 0
    assert all(runs_deep[mv.uid] >= 3 for mv in ix.of(K.MODEL_VERSION))

    pii = [
        e.source for e in ix.edges(Rel.CLASSIFIED_AS) if e.target == uid(K.CLASSIFICATION, "PII")
    ]
    raw_pii = [
        d for d in pii if ix.nodes[d].kind is K.DATASET and "raw" in ix.nodes[d].props["tags"]
    ]
    assert uid(K.DATASET, "customers-raw") in raw_pii
    versions = [e.source for e in ix.into[uid(K.DATASET, "customers-raw"), Rel.VERSION_OF]]
    reached = set().union(*(nx.descendants(g, v) for v in versions))
    models = {ix.nodes[n].props["model"] for n in reached if ix.nodes[n].kind is K.MODEL_VERSION}
    assert {"credit-risk", "churn"} <= models


def test_serving_history_is_consistent_and_has_a_rollback(ix: Index) -> None:
    by_deployment: dict[str, list[EdgeRow]] = defaultdict(list)
    for e in ix.edges(Rel.SERVED):
        by_deployment[e.source].append(e)
        assert ServingRole(e.props["role"]) and e.props["reason"]
        assert uid(K.PERSON, e.props["changed_by"]) in ix.nodes
    assert len(by_deployment) == len(ix.of(K.DEPLOYMENT))
    for served in by_deployment.values():
        assert len({ix.nodes[e.target].props["model"] for e in served}) == 1
        for t in sorted({e.props["valid_from"] for e in served}):
            now = [e for e in served if live(e, t)]
            assert [e.props["role"] for e in now].count(ServingRole.CHAMPION) == 1
            assert sum(e.props["traffic_share"] for e in now) == pytest.approx(1.0)
    credit = sorted(by_deployment[uid(K.DEPLOYMENT, "prod/credit-risk-api")],
                    key=lambda e: e.props["valid_from"])  # fmt: skip
    champions = [_key(e.target) for e in credit if e.props["role"] == ServingRole.CHAMPION]
    assert champions[-1] == "credit-risk@2"
    assert "credit-risk@3" in champions[champions.index("credit-risk@2") : -1]
    rollback = credit[-2] if credit[-1].props["role"] == ServingRole.SHADOW else credit[-1]
    assert "rollback" in rollback.props["reason"]
    for mv in ix.of(K.MODEL_VERSION):
        served = ix.into[mv.uid, Rel.SERVED]
        current = [e.props["role"] for e in served if "valid_to" not in e.props]
        expected = (Stage.PRODUCTION if ServingRole.CHAMPION in current else Stage.STAGING
                    if current else Stage.ARCHIVED if served else Stage.REGISTERED)  # fmt: skip
        assert mv.props["stage"] == expected, mv.key


def test_each_prediction_was_served_by_its_deployment_at_its_time(ix: Index) -> None:
    predictions = ix.of(K.PREDICTION)
    assert len(predictions) == ix.predictions
    assert [p.props["time"] for p in predictions] == sorted(p.props["time"] for p in predictions)
    assert [p.key for p in predictions] == sorted(p.key for p in predictions)
    used = Counter()
    for p in predictions:
        # MADE_BY is the prediction's deployment and model_version (rules.PROPERTY_LINKS).
        assert not ix.out[p.uid, Rel.MADE_BY]
        made_by = {
            K.DEPLOYMENT: uid(K.DEPLOYMENT, p.props["deployment"]),
            K.MODEL_VERSION: uid(K.MODEL_VERSION, p.props["model_version"]),
        }
        assert all(v in ix.nodes for v in made_by.values())
        served = ix.out[made_by[K.DEPLOYMENT], Rel.SERVED]
        serving = [
            e for e in served if e.target == made_by[K.MODEL_VERSION] and live(e, p.props["time"])
        ]
        assert serving and serving[0].props["traffic_share"] > 0, p.key
        used[p.props["model_version"]] += 1
    assert len(used) >= 5  # traffic reaches champions, challengers and canaries over time


def test_more_predictions_continue_the_keys_over_the_same_serving_history(ix: Index) -> None:
    """The harness's ten-times run (W7) adds predictions with demo.more_predictions: new
    keys after the catalog's, each made by a version its deployment served at its time."""
    scale = len(ix.of(K.DEPLOYMENT)) // 2  # two deployments per copy of the lineage
    more = list(more_predictions(seed=7, scale=scale, count=2000, first=ix.predictions, now=ix.now))
    assert [p.key for p in more] == [
        f"pred-{i:08d}" for i in range(ix.predictions, ix.predictions + 2000)
    ]
    assert not {p.uid for p in more} & set(ix.nodes)
    served_by = Counter()
    for p in more:
        deployment = uid(K.DEPLOYMENT, p.props["deployment"])
        version = uid(K.MODEL_VERSION, p.props["model_version"])
        serving = [
            e for e in ix.out[deployment, Rel.SERVED]
            if e.target == version and live(e, p.props["time"])
        ]  # fmt: skip
        assert serving and serving[0].props["traffic_share"] > 0, p.key
        assert p.props["time"] < ix.now
        served_by[p.props["model_version"]] += 1
    assert len(served_by) >= 5
    # Drawn from their own seed: not the catalog's first predictions again.
    first = {(p.props["time"], p.props["deployment"]) for p in ix.of(K.PREDICTION)[:2000]}
    assert len(first & {(p.props["time"], p.props["deployment"]) for p in more}) == 0


def test_ownership_has_history_and_things_without_a_current_owner(ix: Index) -> None:
    owns = ix.edges(Rel.OWNS)
    assert any("valid_to" in e.props for e in owns)
    current = {e.target for e in owns if "valid_to" not in e.props}
    unowned = {n.key for n in ix.of(K.DATASET) + ix.of(K.FEATURE) if n.uid not in current}
    assert {"bureau-raw", "sessions-clean", "churn.sessions_per_week"} <= unowned
    for kind in (K.MODEL, K.DEPLOYMENT, K.JOB):
        assert all(n.uid in current for n in ix.of(kind))
    stewards = sorted(
        (e for e in ix.into[uid(K.DATASET, "loans-raw"), Rel.OWNS] if e.props["role"] == "steward"),
        key=lambda e: e.props["valid_from"],
    )
    assert [_key(e.source) for e in stewards] == [
        "priya.nair@acme.example",
        "lena.fischer@acme.example",
    ]
    assert stewards[0].props["valid_to"] == stewards[1].props["valid_from"]


def test_scale_multiplies_the_lineage() -> None:
    def lineage(catalog: GeneratedCatalog) -> int:
        return sum(1 for n in catalog.nodes if n.kind in LINEAGE_KINDS)

    one, three = generate(scale=1, predictions=0), generate(scale=3, predictions=0)
    assert 2.7 <= lineage(three) / lineage(one) <= 3.3
    assert uid(K.MODEL, "d2-credit-risk") in {n.uid for n in three.nodes}
    assert not [n for n in one.nodes if n.kind is K.PREDICTION]


def test_load_demo_stores_exactly_the_generated_rows_and_reloading_changes_nothing(
    clean_graph: Driver, settings: Settings
) -> None:
    expected = generate(seed=11)
    assert asyncio.run(_load(settings, demo_seed=11)) == expected.summary()
    counts = _generated_counts(expected)
    # The monitoring story (demo_monitoring) adds, through the API's use cases: the
    # drift-monitor account; the recent training set version and credit-risk@5 (each
    # VERSION_OF its parent); the training run (RUN_OF its job, USED the set and 4
    # features, GENERATED the version, TRIGGERED by its scientist) and the evaluation run
    # (RUN_OF, USED the version and the set, GENERATED the evaluation); the challenger.
    story = Counter({
        "ServiceAccount": 1, "DatasetVersion": 1, "ModelVersion": 1, "Run": 2, "Evaluation": 1,
        "VERSION_OF": 2, "RUN_OF": 2, "USED": 7, "GENERATED": 2, "TRIGGERED": 1, "SERVED": 1,
    })  # fmt: skip
    assert _stored_counts(clean_graph, settings) == dict(Counter(counts) + story)

    asyncio.run(_load(settings, catalog=expected))  # wipe and load again
    asyncio.run(_load(settings, rows_again=expected))  # the bulk load alone, without a wipe
    assert _stored_counts(clean_graph, settings) == counts

    records, _, _ = clean_graph.execute_query(
        "MATCH (d:Deployment)-[r:SERVED]->(m:ModelVersion) "
        "RETURN d.uid AS d, m.uid AS m, r.valid_from AS f, r.valid_to AS t",
        database_=settings.neo4j_database,
    )
    stored = {(r["d"], r["m"], r["f"].to_native(), r["t"] and r["t"].to_native()) for r in records}
    assert stored == {
        (e.source, e.target, e.props["valid_from"], e.props.get("valid_to"))
        for e in expected.edges
        if e.rel is Rel.SERVED
    }


async def _load(
    settings: Settings,
    *,
    demo_seed: int | None = None,
    catalog: GeneratedCatalog | None = None,
    rows_again: GeneratedCatalog | None = None,
) -> str:
    driver = open_driver(settings)
    try:
        graph = Graph(driver, database=settings.neo4j_database)
        if demo_seed is not None:
            return await load_demo(
                driver, database=settings.neo4j_database, seed=demo_seed, actor=TEST_ACTOR
            )
        if catalog is not None:
            await load_catalog(graph, catalog, batch_size=700)
        if rows_again is not None:
            await load_rows(graph, nodes=rows_again.nodes, edges=rows_again.edges)
        return ""
    finally:
        await driver.close()


def _stored_counts(driver: Driver, settings: Settings) -> dict[str, int]:
    labels, _, _ = driver.execute_query(
        # Accounts (the tests' admin) are not catalog content.
        "MATCH (n:Node) WHERE n.roles IS NULL "
        "UNWIND [l IN labels(n) WHERE l <> 'Node'] AS label "
        "RETURN label, count(*) AS c",
        database_=settings.neo4j_database,
    )
    types, _, _ = driver.execute_query(
        "MATCH (:Node)-[r]->(:Node) RETURN type(r) AS type, count(*) AS c",
        database_=settings.neo4j_database,
    )
    return {r["label"]: r["c"] for r in labels} | {r["type"]: r["c"] for r in types}


def _generated_counts(catalog: GeneratedCatalog) -> dict[str, int]:
    kinds = Counter(n.kind.value for n in catalog.nodes)
    return dict(kinds) | dict(Counter(e.rel.value for e in catalog.edges))


def _key(node_uid: str) -> str:
    return node_uid.split(":", 1)[1]
