"""Q1, Q6, Q8, Q9 and Q10 on a generated catalog, checked against the generator's own record."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.demo import GeneratedCatalog, generate, load_catalog
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph, open_driver
from tests.expectations import Expected
from tests.graphql_client import gql, post

TRACE = """
query Trace($key: String!) {
  predictionTrace(key: $key) {
    deployment { id }
    modelVersion { id }
    trainingRun { id runKind }
    runs { id codeCommit { id } }
    datasetVersions { id contentHash }
    features { id }
    codeCommits { id author { id } }
    upstreamModelVersions { id }
    edges { type source target }
    owners { role owner { ... on Person { id } ... on Team { id } } target { id } }
  }
}
"""


def load(settings: Settings, catalog: GeneratedCatalog) -> None:
    async def run() -> None:
        driver = open_driver(settings)
        try:
            await load_catalog(Graph(driver, database=settings.neo4j_database), catalog)
        finally:
            await driver.close()

    asyncio.run(run())


@pytest.fixture(scope="module")
def demo(settings: Settings, driver: Driver) -> Iterator[Expected]:
    catalog = generate(seed=11, predictions=300)
    load(settings, catalog)
    yield Expected(catalog, now=datetime.now(UTC))


def _ids(items: list[dict[str, str]]) -> set[str]:
    return {item["id"] for item in items}


def test_prediction_trace_matches_the_generated_lineage(
    app_client: TestClient, demo: Expected
) -> None:
    predictions = sorted(demo.by_kind("Prediction"), key=lambda n: n.key)
    for prediction in predictions[:: max(1, len(predictions) // 12)]:
        trace = gql(app_client, TRACE, key=prediction.key)["predictionTrace"]
        mv = f"ModelVersion:{prediction.props['model_version']}"
        assert trace["modelVersion"] == {"id": mv}
        assert trace["deployment"] == {"id": f"Deployment:{prediction.props['deployment']}"}
        (training,) = demo.into("GENERATED", mv)
        assert trace["trainingRun"]["id"] == training

        upstream = demo.upstream(mv)

        def by_kind(kind: str, upstream: set[str] = upstream) -> set[str]:
            return {u for u in upstream if u.startswith(kind + ":")}

        assert _ids(trace["runs"]) == by_kind("Run")
        assert _ids(trace["datasetVersions"]) == by_kind("DatasetVersion")
        assert _ids(trace["features"]) == by_kind("Feature")
        assert _ids(trace["upstreamModelVersions"]) == by_kind("ModelVersion")
        commits = {c for run in by_kind("Run") for c in demo.out("EXECUTED", run)}
        assert _ids(trace["codeCommits"]) == commits
        # Raw sources are reached: some dataset version upstream has no generating run.
        assert any(not demo.into("GENERATED", v) for v in by_kind("DatasetVersion"))
        for dv in trace["datasetVersions"]:
            assert dv["contentHash"] == demo.nodes[dv["id"]].props["content_hash"]

        expected_owners = set()
        for thing in by_kind("DatasetVersion") | by_kind("Feature") | {mv}:
            node = demo.nodes[thing]
            anchor = {
                "DatasetVersion": f"Dataset:{node.props.get('dataset')}",
                "ModelVersion": f"Model:{node.props.get('model')}",
            }.get(node.kind.value, thing)
            expected_owners |= {(o, role, anchor) for o, role in demo.current_owners(anchor)}
        dep = trace["deployment"]["id"]
        expected_owners |= {(o, role, dep) for o, role in demo.current_owners(dep)}
        got = {(o["owner"]["id"], o["role"], o["target"]["id"]) for o in trace["owners"]}
        assert got == expected_owners


def test_unknown_prediction_traces_to_null(app_client: TestClient, demo: Expected) -> None:
    assert gql(app_client, TRACE, key="no-such-prediction") == {"predictionTrace": None}


def test_reproducibility_of_every_model_version(app_client: TestClient, demo: Expected) -> None:
    query = """query($mv: String!) { reproducibility(modelVersion: $mv) {
      trainingRun { id } codeCommit { id sha repo } parameters environment
      datasetVersions { id contentHash } features { id } } }"""
    for mv in demo.by_kind("ModelVersion"):
        got = gql(app_client, query, mv=mv.key)["reproducibility"]
        (run,) = demo.into("GENERATED", mv.uid)
        inputs = demo.out("USED", run)
        assert got["trainingRun"] == {"id": run}
        (commit,) = demo.out("EXECUTED", run)
        assert got["codeCommit"]["id"] == commit
        assert got["codeCommit"]["sha"] == demo.nodes[commit].props["sha"]
        assert got["parameters"] == demo.nodes[run].props["parameters"]
        assert got["environment"] == demo.nodes[run].props["environment"]
        assert {d["id"]: d["contentHash"] for d in got["datasetVersions"]} == {
            i: demo.nodes[i].props["content_hash"]
            for i in inputs
            if i.startswith("DatasetVersion:")
        }
        assert _ids(got["features"]) == {i for i in inputs if i.startswith("Feature:")}


def test_owned_by_and_unowned(app_client: TestClient, demo: Expected) -> None:
    query = """query($o: ID!) { ownedBy(owner: $o) { role target { id } } }"""
    agents = demo.by_kind("Person") + demo.by_kind("Team")
    assert any(demo.owned_by(a.uid) for a in agents)
    for agent in agents:
        got = gql(app_client, query, o=agent.uid)["ownedBy"]
        assert {(o["target"]["id"], o["role"]) for o in got} == demo.owned_by(agent.uid)

    unowned_query = """query($after: String) { unowned(first: 3, after: $after) {
      edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = gql(app_client, unowned_query, after=after)["unowned"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    kinds = ("Dataset", "Feature", "Job", "Model", "Deployment")
    expected = sorted(
        uid
        for uid, n in demo.nodes.items()
        if n.kind.value in kinds and not demo.current_owners(uid)
    )
    assert expected, "the generator leaves some things without an owner"
    assert seen == expected


def test_production_view(app_client: TestClient, demo: Expected) -> None:
    query = """{ productionView { id serving { role modelVersion { id stage } } } }"""
    got = gql(app_client, query)["productionView"]
    expected = {
        d.uid: demo.current_serving(d.uid)
        for d in demo.by_kind("Deployment")
        if demo.current_serving(d.uid)
    }
    assert expected
    assert {d["id"]: {(s["modelVersion"]["id"], s["role"]) for s in d["serving"]} for d in got} == (
        expected
    )
    for deployment in got:
        for serving in deployment["serving"]:
            mv = serving["modelVersion"]
            assert mv["stage"] == demo.nodes[mv["id"]].props.get("stage")


def test_search_by_text_tag_and_classification(app_client: TestClient, demo: Expected) -> None:
    query = """query($text: String, $tag: String, $c: String) {
      search(text: $text, tag: $tag, classification: $c, first: 100) { score node { id } } }"""
    dataset = sorted(demo.by_kind("Dataset"), key=lambda n: n.key)[0]
    word = dataset.props["name"].split()[0]
    hits = gql(app_client, query, text=word)["search"]
    assert dataset.uid in {h["node"]["id"] for h in hits}

    pii = {
        e.source
        for e in demo.edges
        if e.rel.value == "CLASSIFIED_AS" and e.target == "Classification:PII"
    }
    assert pii
    hits = gql(app_client, query, c="PII")["search"]
    assert {h["node"]["id"] for h in hits} == pii

    tagged = [n for n in demo.nodes.values() if n.props.get("tags")]
    tag = tagged[0].props["tags"][0]
    searchable = {"Prediction", "Run", "Evaluation"}
    expected = {n.uid for n in tagged if tag in n.props["tags"] and n.kind.value not in searchable}
    hits = gql(app_client, query, tag=tag)["search"]
    assert {h["node"]["id"] for h in hits} == expected

    # Lucene syntax in user text is escaped, never an error.
    assert post(app_client, query, text='risk) OR "x')["data"] is not None


def test_lookup_by_key_and_pages(app_client: TestClient, demo: Expected) -> None:
    versions = sorted(v.key for v in demo.by_kind("DatasetVersion"))
    query = """query($after: String) { nodes(kind: DATASET_VERSION, first: 4, after: $after) {
      totalCount edges { node { key } } pageInfo { hasNextPage endCursor } } }"""
    seen, after = [], None
    while True:
        page = gql(app_client, query, after=after)["nodes"]
        assert page["totalCount"] == len(versions)
        seen += [e["node"]["key"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == versions
    model = demo.by_kind("Model")[0]
    got = gql(app_client, "query($k: String!) { model(key: $k) { key versions { key } } }",
              k=model.key)["model"]  # fmt: skip
    assert {v["key"] for v in got["versions"]} == {
        demo.nodes[s].key for s in demo.into("VERSION_OF", model.uid)
    }


def test_what_served_at_any_time_including_a_rollback(
    app_client: TestClient, demo: Expected
) -> None:
    query = """query($key: String!, $at: DateTime!) { deployment(key: $key) {
      serving(asOf: $at) { role trafficShare modelVersion { id } } } }"""
    served = [e for e in demo.edges if e.rel.value == "SERVED"]
    champions: dict[tuple[str, str], int] = {}
    for e in served:
        if e.props["role"] == "champion":
            champions[(e.source, e.target)] = champions.get((e.source, e.target), 0) + 1
    assert any(n > 1 for n in champions.values()), "some version was champion twice (rollback)"

    second = timedelta(seconds=1)
    for edge in served:
        moments = [edge.props["valid_from"], edge.props["valid_from"] - second]
        if edge.props.get("valid_to"):
            moments += [edge.props["valid_to"] - second, edge.props["valid_to"]]
        for at in moments:
            expected = {
                (e.target, e.props["role"])
                for e in served
                if e.source == edge.source
                and e.props["valid_from"] <= at
                and (e.props.get("valid_to") is None or e.props["valid_to"] > at)
            }
            got = gql(app_client, query, key=edge.source.split(":", 1)[1], at=at.isoformat())
            serving = got["deployment"]["serving"]
            assert {(s["modelVersion"]["id"], s["role"]) for s in serving} == expected, at
            assert sum(s["trafficShare"] for s in serving) == pytest.approx(
                1.0 if expected else 0.0
            )


def test_traversal_depth_outside_the_limit_is_bad_input(
    app_client: TestClient, demo: Expected
) -> None:
    prediction = demo.by_kind("Prediction")[0].key
    for query in (
        "query($k: String!) { predictionTrace(key: $k, depth: 0) { runs { id } } }",
        "query($k: String!) { predictionTrace(key: $k, depth: 21) { runs { id } } }",
    ):
        (error,) = post(app_client, query, k=prediction)["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "depth"}
