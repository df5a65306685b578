"""Impact (Q2) and classification propagation (Q4) on random lineage DAGs, checked against
networkx over the same edges."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.demo import GeneratedCatalog
from lineage_catalog.domain.model import Kind, NodeRecord, Rel, uid
from lineage_catalog.settings import Settings
from lineage_catalog.store.bulk import EdgeRow
from tests.graphql_client import gql
from tests.test_questions import load

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class RandomLineage:
    """A random DAG of runs and entity versions, with what tests need to check answers."""

    def __init__(self, seed: int, *, levels: int = 12, width: int = 25) -> None:
        rng = random.Random(seed)
        self.nodes: list[NodeRecord] = []
        self.edges: list[EdgeRow] = []
        self.by_level: list[list[str]] = []
        for name in ("PII", "SENSITIVE"):
            self.nodes.append(NodeRecord(Kind.CLASSIFICATION, name, {"name": name}))
        for level in range(levels):
            entities = []
            for i in range(rng.randint(width // 2, width)):
                kind = Kind.FEATURE if rng.random() < 0.2 else Kind.DATASET_VERSION
                if level == levels - 1 or (level > 2 and rng.random() < 0.1):
                    kind = Kind.MODEL_VERSION
                entities.append(self._entity(kind, f"l{level}-{i}", rng))
            if level:
                self._runs(level, entities, rng)
            self.by_level.append(entities)
        self._serving(rng)

    def _entity(self, kind: Kind, name: str, rng: random.Random) -> str:
        if kind == Kind.FEATURE:
            self.nodes.append(NodeRecord(kind, name, {}))
            if rng.random() < 0.05:
                self.edges.append(
                    EdgeRow(
                        Rel.CLASSIFIED_AS, uid(kind, name), uid(Kind.CLASSIFICATION, "SENSITIVE")
                    )
                )
            return uid(kind, name)
        parent_kind = Kind.DATASET if kind == Kind.DATASET_VERSION else Kind.MODEL
        self.nodes.append(NodeRecord(parent_kind, name, {}))
        self.nodes.append(NodeRecord(kind, f"{name}@1", {"model": name, "dataset": name}))
        self.edges.append(EdgeRow(Rel.VERSION_OF, uid(kind, f"{name}@1"), uid(parent_kind, name)))
        if parent_kind == Kind.DATASET and rng.random() < 0.06:
            self.edges.append(
                EdgeRow(Rel.CLASSIFIED_AS, uid(Kind.DATASET, name), uid(Kind.CLASSIFICATION, "PII"))
            )
        return uid(kind, f"{name}@1")

    def _runs(self, level: int, outputs: list[str], rng: random.Random) -> None:
        earlier = [e for entities in self.by_level for e in entities]
        rng.shuffle(outputs)
        for r, start in enumerate(range(0, len(outputs), 2)):
            run = uid(Kind.RUN, f"run-{level}-{r}")
            started = T0 + timedelta(days=rng.randint(0, 60))
            self.nodes.append(NodeRecord(Kind.RUN, run.split(":", 1)[1], {"started_at": started}))
            previous = self.by_level[-1]
            inputs = {rng.choice(previous)} | set(rng.sample(earlier, rng.randint(0, 4)))
            self.edges += [EdgeRow(Rel.USED, run, i) for i in sorted(inputs)]
            self.edges += [EdgeRow(Rel.GENERATED, run, o) for o in outputs[start : start + 2]]

    def _serving(self, rng: random.Random) -> None:
        self.predictions: dict[tuple[str, str], list[datetime]] = {}
        versions = [n.uid for n in self.nodes if n.kind == Kind.MODEL_VERSION]
        for d in range(3):
            deployment = uid(Kind.DEPLOYMENT, f"prod/d{d}")
            self.nodes.append(NodeRecord(Kind.DEPLOYMENT, f"prod/d{d}", {}))
            for mv in rng.sample(versions, 3):
                self.edges.append(
                    EdgeRow(
                        Rel.SERVED,
                        deployment,
                        mv,
                        {"role": "champion", "valid_from": T0, "imported": True},
                    )
                )
                times = [
                    T0 + timedelta(minutes=rng.randint(0, 10_000)) for _ in range(rng.randint(0, 6))
                ]
                self.predictions[(deployment, mv)] = times
                for i, when in enumerate(times):
                    key = f"p-{d}-{mv}-{i}".replace(":", "-").replace("@", "-")
                    props = {
                        "time": when,
                        "deployment": f"prod/d{d}",
                        "model_version": mv.split(":", 1)[1],
                    }
                    # MADE_BY is the deployment and model_version properties.
                    self.nodes.append(NodeRecord(Kind.PREDICTION, key, props))

    def catalog(self) -> GeneratedCatalog:
        return GeneratedCatalog(nodes=self.nodes, edges=self.edges)

    def downstream_graph(self, as_of: datetime | None = None) -> nx.DiGraph:
        """Entity -> run -> entity edges; with as_of, only runs started by then."""
        started = {n.uid: n.props.get("started_at") for n in self.nodes if n.kind == Kind.RUN}
        graph = nx.DiGraph()
        for e in self.edges:
            run = e.source
            if as_of is not None and run in started and started[run] > as_of:
                continue
            if e.rel == Rel.USED:
                graph.add_edge(e.target, e.source)
            elif e.rel == Rel.GENERATED:
                graph.add_edge(e.source, e.target)
        return graph


@pytest.fixture(scope="module", params=[3, 17])
def dag(
    request: pytest.FixtureRequest, settings: Settings, driver: Driver
) -> Iterator[RandomLineage]:
    lineage = RandomLineage(request.param)
    load(settings, lineage.catalog())
    yield lineage


IMPACT = """query($dv: String!) { impact(datasetVersion: $dv) {
  runs { id } datasetVersions { id } features { id } modelVersions { id } predictionCount
  deployments { deployment { id } modelVersion predictionCount firstPrediction lastPrediction }
} }"""


def test_impact_matches_networkx(app_client: TestClient, dag: RandomLineage) -> None:
    graph = dag.downstream_graph()
    starts = dag.by_level[0] + dag.by_level[3][:3]
    starts = [s for s in starts if s.startswith("DatasetVersion:")]
    assert len(graph) > 300
    largest = (0, 0)
    for start in starts:
        got = gql(app_client, IMPACT, dv=start.split(":", 1)[1])["impact"]
        down = nx.descendants(graph, start) if start in graph else set()
        for field, prefix in (
            ("runs", "Run:"),
            ("datasetVersions", "DatasetVersion:"),
            ("features", "Feature:"),
            ("modelVersions", "ModelVersion:"),
        ):
            assert {n["id"] for n in got[field]} == {d for d in down if d.startswith(prefix)}
        expected = {
            (deployment, mv): times
            for (deployment, mv), times in dag.predictions.items()
            if mv in down
        }
        deployments = {(d["deployment"]["id"], d["modelVersion"]): d for d in got["deployments"]}
        assert set(deployments) == set(expected)
        for pair, times in expected.items():
            entry = deployments[pair]
            assert entry["predictionCount"] == len(times)
            if times:
                assert datetime.fromisoformat(entry["firstPrediction"]) == min(times)
                assert datetime.fromisoformat(entry["lastPrediction"]) == max(times)
        assert got["predictionCount"] == sum(len(t) for t in expected.values())
        largest = max(largest, (len(down), got["predictionCount"]))
    # Not a vacuous check: some start reaches far, and predictions are counted.
    assert largest[0] > 50 and largest[1] > 0, largest


PROPAGATION = """query($id: ID!) { classificationsUpstream(id: $id) {
  classification holder { id } path } }"""


def test_classification_propagation_matches_networkx(
    app_client: TestClient, dag: RandomLineage
) -> None:
    upstream = dag.downstream_graph().reverse(copy=True)
    classified: dict[str, str] = {}
    for e in dag.edges:
        if e.rel == Rel.CLASSIFIED_AS:
            classified[e.source] = e.target.split(":", 1)[1]
    versions = [n.uid for n in dag.nodes if n.kind == Kind.MODEL_VERSION]
    seen_any = False
    for mv in versions:
        got = gql(app_client, PROPAGATION, id=mv)["classificationsUpstream"]
        reach = {mv} | (nx.descendants(upstream, mv) if mv in upstream else set())
        expected = set()
        for entity in reach:
            parent = "Dataset:" + entity.split(":", 1)[1].rsplit("@", 1)[0]
            for holder in (entity, parent):
                if holder in classified:
                    expected.add((classified[holder], holder, entity))
        assert {(p["classification"], p["holder"]["id"]) for p in got} == {
            (c, h) for c, h, _ in expected
        }
        seen_any = seen_any or bool(got)
        for p in got:
            path = p["path"]
            assert path[0] == mv
            # The last step is the holder's entity version, or its dataset after it.
            entity = path[-2] if path[-1].startswith("Dataset:") else path[-1]
            # The path is a real lineage path, and a shortest one.
            for a, b in itertools.pairwise(path):
                assert upstream.has_edge(a, b) or b.startswith("Dataset:"), (a, b)
            assert len([s for s in path if not s.startswith("Dataset:")]) - 1 == (
                nx.shortest_path_length(upstream, mv, entity) if entity != mv else 0
            )
    assert seen_any, "some model version has a classification upstream"


def test_reclassifying_a_source_changes_answers_at_once(
    app_client: TestClient, dag: RandomLineage, driver: Driver
) -> None:
    mv = next(n.uid for n in dag.nodes if n.kind == Kind.MODEL_VERSION and n.key.startswith("l11"))
    before = gql(app_client, PROPAGATION, id=mv)["classificationsUpstream"]
    raw = dag.by_level[0][0].split(":", 1)[1].rsplit("@", 1)[0]
    gql(
        app_client,
        "mutation($t: ID!) { "
        'classify(target: $t, classifications: ["SENSITIVE"], reason: "audit") { id } }',
        t=f"Dataset:{raw}",
    )
    after = gql(app_client, PROPAGATION, id=mv)["classificationsUpstream"]
    reaches = f"DatasetVersion:{raw}@1" in nx.descendants(dag.downstream_graph().reverse(), mv)
    added = {(p["classification"], p["holder"]["id"]) for p in after} - {
        (p["classification"], p["holder"]["id"]) for p in before
    }
    assert added == ({("SENSITIVE", f"Dataset:{raw}")} if reaches else set())
    driver.execute_query(
        "MATCH (:Node {uid: $d})-[r:CLASSIFIED_AS]->(:Node {uid: 'Classification:SENSITIVE'}) "
        "DELETE r",
        d=f"Dataset:{raw}",
    )


LINEAGE = """query($id: ID!, $direction: Direction!, $depth: Int, $after: String,
                   $kinds: [NodeKind!], $asOf: DateTime) {
  lineage(id: $id, direction: $direction, depth: $depth, first: 40, after: $after,
          kinds: $kinds, asOf: $asOf) {
    nodes { id } edges { type source target } totalNodes hasNextPage endCursor } }"""


def _walk(client: TestClient, **variables: object) -> tuple[list[str], set[tuple[str, ...]], int]:
    nodes: list[str] = []
    edges: set[tuple[str, ...]] = set()
    after = None
    while True:
        page = gql(client, LINEAGE, after=after, **variables)["lineage"]
        nodes += [n["id"] for n in page["nodes"]]
        edges |= {(e["type"], e["source"], e["target"]) for e in page["edges"]}
        if not page["hasNextPage"]:
            return nodes, edges, page["totalNodes"]
        after = page["endCursor"]


def test_lineage_traversal_pages_match_networkx(app_client: TestClient, dag: RandomLineage) -> None:
    down = dag.downstream_graph()
    up = down.reverse(copy=True)
    mv = next(n.uid for n in dag.nodes if n.kind == Kind.MODEL_VERSION and n.key.startswith("l11"))
    raw = dag.by_level[0][0]
    for start, direction, graph in ((mv, "UPSTREAM", up), (raw, "DOWNSTREAM", down)):
        expected = nx.descendants(graph, start) if start in graph else set()
        nodes, edges, total = _walk(app_client, id=start, direction=direction)
        assert nodes == sorted(expected) and total == len(expected)
        assert len(nodes) > 40, "more than one page"
        real = {(e.rel.value, e.source, e.target) for e in dag.edges}
        assert edges and edges <= real
        # Depth counts run levels: one level is the runs next to the start and their entities.
        near = {
            n
            for n, d in nx.single_source_shortest_path_length(graph, start, cutoff=2).items()
            if d > 0
        }
        assert set(_walk(app_client, id=start, direction=direction, depth=1)[0]) == near
    versions, _, _ = _walk(app_client, id=mv, direction="UPSTREAM", kinds=["DATASET_VERSION"])
    assert versions == sorted(n for n in nx.descendants(up, mv) if n.startswith("DatasetVersion:"))
    both, _, _ = _walk(app_client, id=dag.by_level[5][0], direction="BOTH")
    middle = dag.by_level[5][0]
    assert set(both) == nx.descendants(up, middle) | nx.descendants(down, middle)


def test_lineage_from_a_run_is_its_inputs_and_outputs_and_beyond(
    app_client: TestClient, dag: RandomLineage
) -> None:
    """A run is its own first level: upstream starts at what it used, downstream at what it
    generated (it answered nothing before)."""
    down = dag.downstream_graph()
    up = down.reverse(copy=True)
    run = uid(Kind.RUN, "run-6-0")
    for direction, graph in (("UPSTREAM", up), ("DOWNSTREAM", down)):
        expected = nx.descendants(graph, run)
        nodes, edges, total = _walk(app_client, id=run, direction=direction)
        assert expected and nodes == sorted(expected) and total == len(expected)
        assert edges <= {(e.rel.value, e.source, e.target) for e in dag.edges}
        for depth in (1, 2):
            within = nx.single_source_shortest_path_length(graph, run, cutoff=2 * depth - 1)
            near = {n for n, d in within.items() if d > 0}
            assert set(_walk(app_client, id=run, direction=direction, depth=depth)[0]) == near
    both, _, _ = _walk(app_client, id=run, direction="BOTH")
    assert set(both) == nx.descendants(up, run) | nx.descendants(down, run)
    used = {e.target for e in dag.edges if e.source == run and e.rel == Rel.USED}
    made = {e.target for e in dag.edges if e.source == run and e.rel == Rel.GENERATED}
    assert used | made <= set(both)


def test_point_in_time_lineage_and_impact_match_networkx(
    app_client: TestClient, dag: RandomLineage
) -> None:
    raw = dag.by_level[0][0]
    mv = next(n.uid for n in dag.nodes if n.kind == Kind.MODEL_VERSION and n.key.startswith("l11"))
    for days in (10, 30, 45):
        as_of = T0 + timedelta(days=days)
        down = dag.downstream_graph(as_of)
        up = down.reverse(copy=True)
        for start, direction, graph in ((raw, "DOWNSTREAM", down), (mv, "UPSTREAM", up)):
            expected = nx.descendants(graph, start) if start in graph else set()
            nodes, _, _ = _walk(app_client, id=start, direction=direction, asOf=as_of.isoformat())
            assert nodes == sorted(expected), (days, direction)
        # Impact as of then: predictions made before it, from versions affected by then.
        found = gql(app_client, IMPACT_AS_OF, dv=raw.split(":", 1)[1], asOf=as_of.isoformat())
        affected = nx.descendants(down, raw) if raw in down else set()
        expected_counts = {
            (d, m): sum(1 for t in times if t < as_of)
            for (d, m), times in dag.predictions.items()
            if m in affected
        }
        got = {
            (d["deployment"]["id"], d["modelVersion"]): d["predictionCount"]
            for d in found["impact"]["deployments"]
        }
        assert got == expected_counts, days


IMPACT_OF = """query($id: ID!, $asOf: DateTime) { impact(id: $id, asOf: $asOf) {
  deployments { deployment { id } modelVersion predictionCount firstPrediction lastPrediction }
} }"""


def test_impact_counts_and_times_at_any_moment_match_the_predictions(
    app_client: TestClient, dag: RandomLineage
) -> None:
    """Counts add up days (PredictionDay) and the as-of day's predictions: checked at
    midnights, a microsecond either side, and random moments, against the times alone."""
    rng = random.Random(11)
    midnights = [T0 + timedelta(days=k) for k in range(9)]
    tick = timedelta(microseconds=1)
    randoms = [T0 + timedelta(minutes=rng.randint(0, 10_500)) for _ in range(8)]
    moments = [*midnights, *(m - tick for m in midnights[1:]), *(m + tick for m in midnights),
               *randoms, None]  # fmt: skip
    versions = sorted({mv for (_, mv), times in dag.predictions.items() if times})
    checked = 0
    for mv in versions[:4]:
        for at in moments:
            found = gql(app_client, IMPACT_OF, id=mv, asOf=at.isoformat() if at else None)
            got = {d["deployment"]["id"]: d for d in found["impact"]["deployments"]}
            for (deployment, version), times in dag.predictions.items():
                if version != mv:
                    continue
                made = sorted(t for t in times if at is None or t < at)
                entry = got[deployment]
                assert entry["predictionCount"] == len(made), (mv, deployment, at)
                first, last = entry["firstPrediction"], entry["lastPrediction"]
                assert (first and datetime.fromisoformat(first)) == (made[0] if made else None)
                assert (last and datetime.fromisoformat(last)) == (made[-1] if made else None)
                checked += len(made)
    assert checked > 100


IMPACT_AS_OF = """query($dv: String!, $asOf: DateTime) { impact(datasetVersion: $dv, asOf: $asOf) {
  deployments { deployment { id } modelVersion predictionCount } } }"""
