"""The explorer's GraphQL (explore, exploreNeighbours) against the generated demo catalog:
neighbours and counts checked against an oracle over the generator's own edges, paging to
the end, caps, asOf across a rollback, badges equal to Q4, bounded statements; and the
pages' HTTP: GraphiQL's HTML beside GraphQL over GET, security headers, assets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.app import create_app
from lineage_catalog.demo import GeneratedCatalog, generate
from lineage_catalog.domain.model import Kind, Rel
from lineage_catalog.domain.model import uid as node_uid
from lineage_catalog.settings import Settings
from lineage_catalog.store.bulk import EdgeRow
from tests.graphql_client import gql, post
from tests.test_questions import load

EXPLORE = """
query($id: ID!, $direction: Direction! = BOTH, $depth: Int! = 1, $first: Int, $asOf: DateTime) {
  explore(id: $id, direction: $direction, depth: $depth, first: $first, asOf: $asOf) {
    start truncated asOf
    nodes { id hops upstreamCount downstreamCount classifications
            neighbourCounts { direction kind count } node { id kind } }
    edges { type source target role trafficShare }
    pages { id direction loaded total hasMore endCursor }
  }
}
"""
NEIGHBOURS = """
query($id: ID!, $direction: Direction!, $first: Int, $after: String, $asOf: DateTime) {
  exploreNeighbours(id: $id, direction: $direction, first: $first, after: $after, asOf: $asOf) {
    truncated
    nodes { id hops upstreamCount downstreamCount }
    edges { type source target }
    pages { id direction loaded total hasMore endCursor }
  }
}
"""
UPSTREAM_CLASSES = "query($id: ID!) { classificationsUpstream(id: $id) { classification } }"
KIND_ENUM = {
    "DatasetVersion": "DATASET_VERSION", "ModelVersion": "MODEL_VERSION",
    "CodeCommit": "CODE_COMMIT", "ServiceAccount": "SERVICE_ACCOUNT",
}  # fmt: skip


class Oracle:
    """One hop of lineage by the explorer's rule, from the generator's edges alone."""

    def __init__(self, catalog: GeneratedCatalog) -> None:
        self.nodes = {n.uid: n for n in catalog.nodes}
        self.touching: dict[str, list[Any]] = {}
        made_by = [  # a prediction's MADE_BY links are its deployment and model_version
            EdgeRow(Rel.MADE_BY, n.uid, node_uid(kind, n.props[name]))
            for n in catalog.nodes if n.kind is Kind.PREDICTION
            for kind, name in ((Kind.DEPLOYMENT, "deployment"),
                               (Kind.MODEL_VERSION, "model_version"))
        ]  # fmt: skip
        for e in [*catalog.edges, *made_by]:
            self.touching.setdefault(e.source, []).append(e)
            self.touching.setdefault(e.target, []).append(e)

    def _started(self, run: str, as_of: datetime | None) -> bool:
        return as_of is None or self.nodes[run].props["started_at"] <= as_of

    def hop(self, uid: str, up: bool, *, as_of: datetime | None, at: datetime) -> set[str]:
        kind = uid.split(":")[0]
        found: set[str] = set()
        for e in self.touching.get(uid, []):
            rel, s, t, props = e.rel.value, e.source, e.target, e.props
            valid = (props.get("valid_from") is None or props["valid_from"] <= at) and (
                props.get("valid_to") is None or props["valid_to"] > at
            )
            made = as_of is None or self.nodes[s].props.get("time", as_of) <= as_of
            # (this hop's rule holds, the neighbour) for each relationship and end.
            if up:
                rules = [
                    (rel == "GENERATED" and t == uid and self._started(s, as_of), s),
                    (rel in ("USED", "EXECUTED") and s == uid and kind == "Run", t),
                    (rel == "SERVED" and s == uid and valid, t),
                    (rel == "MADE_BY" and s == uid, t),
                ]
            else:
                rules = [
                    (rel in ("USED", "EXECUTED") and t == uid and self._started(s, as_of), s),
                    (rel == "GENERATED" and s == uid and kind == "Run", t),
                    (rel == "SERVED" and t == uid and valid, s),
                    (rel == "MADE_BY" and t == uid and made, s),
                ]
            found |= {other for holds, other in rules if holds}
        return found


@pytest.fixture(scope="module")
def oracle(settings: Settings, driver: Driver) -> Iterator[Oracle]:
    catalog = generate(seed=7)
    load(settings, catalog)
    yield Oracle(catalog)


def _counts(node: dict[str, Any], direction: str) -> Counter[str]:
    return Counter(
        {c["kind"]: c["count"] for c in node["neighbourCounts"] if c["direction"] == direction}
    )


def _kinds(uids: set[str]) -> Counter[str]:
    return Counter(KIND_ENUM.get(u.split(":")[0], u.split(":")[0].upper()) for u in uids)


def test_first_view_is_one_hop_each_way_with_counts(app_client: TestClient, oracle: Oracle) -> None:
    now = datetime.now(UTC)
    start = "ModelVersion:credit-risk@2"
    found = gql(app_client, EXPLORE, id=start, first=1000)["explore"]
    by_id = {n["id"]: n for n in found["nodes"]}
    up, down = (
        oracle.hop(start, True, as_of=None, at=now),
        oracle.hop(start, False, as_of=None, at=now),
    )
    assert set(by_id) == {start} | up | down
    assert {n["hops"] for i, n in by_id.items() if i != start} == {1}
    assert not found["truncated"]
    # Every node, loaded neighbours or not, carries its own counts.
    for uid, node in by_id.items():
        node_up, node_down = (
            oracle.hop(uid, True, as_of=None, at=now),
            oracle.hop(uid, False, as_of=None, at=now),
        )
        assert node["upstreamCount"] == len(node_up), uid
        assert node["downstreamCount"] == len(node_down), uid
        assert _counts(node, "UPSTREAM") == _kinds(node_up), uid
        assert _counts(node, "DOWNSTREAM") == _kinds(node_down), uid
    pages = {(p["id"], p["direction"]): p for p in found["pages"]}
    assert pages[(start, "DOWNSTREAM")]["total"] == len(down)
    assert pages[(start, "DOWNSTREAM")]["loaded"] == len(down)


def test_a_wide_node_pages_to_the_end_with_a_cap(app_client: TestClient, oracle: Oracle) -> None:
    now = datetime.now(UTC)
    deployment = "Deployment:prod/credit-risk-api"
    expected = oracle.hop(deployment, False, as_of=None, at=now)
    assert len(expected) > 250  # predictions: a wide node
    first = gql(app_client, EXPLORE, id=deployment, direction="DOWNSTREAM", first=100)["explore"]
    assert first["truncated"]
    (page,) = [p for p in first["pages"] if p["id"] == deployment]
    assert page == {**page, "loaded": 100, "total": len(expected), "hasMore": True}
    seen = {n["id"] for n in first["nodes"]} - {deployment}
    cursor, pages = page["endCursor"], 1
    while cursor:
        more = gql(app_client, NEIGHBOURS, id=deployment, direction="DOWNSTREAM", first=100,
                   after=cursor)["exploreNeighbours"]  # fmt: skip
        (page,) = more["pages"]
        new = {n["id"] for n in more["nodes"]} - {deployment}
        assert not new & seen, "a page repeats a neighbour"
        assert {e["target"] for e in more["edges"]} == {deployment}
        seen |= new
        pages += 1
        cursor = page["endCursor"] if page["hasMore"] else None
    assert seen == expected
    assert pages == -(-len(expected) // 100)


def test_depth_walks_upstream_further_up(app_client: TestClient, oracle: Oracle) -> None:
    now = datetime.now(UTC)
    start = "Prediction:pred-00000042"
    found = gql(app_client, EXPLORE, id=start, direction="UPSTREAM", depth=3, first=1000)
    nodes = {n["id"]: n["hops"] for n in found["explore"]["nodes"]}
    level = {start}
    reached = {start: 0}
    for hops in (1, 2, 3):
        level = {m for n in level for m in oracle.hop(n, True, as_of=None, at=now)} - set(reached)
        reached |= dict.fromkeys(level, hops)
    assert nodes == reached


def test_caps_and_bad_arguments(app_client: TestClient, oracle: Oracle) -> None:
    for variables, field in (
        ({"first": 1001}, "first"),
        ({"first": 0}, "first"),
        ({"depth": 7}, "depth"),
        ({"depth": 0}, "depth"),
    ):
        body = post(app_client, EXPLORE, id="ModelVersion:credit-risk@2", **variables)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["extensions"]["field"] == field
    body = post(app_client, NEIGHBOURS, id="ModelVersion:credit-risk@2", direction="BOTH")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert gql(app_client, EXPLORE, id="Dataset:nothing-here")["explore"] is None


def _serving(app_client: TestClient) -> list[dict[str, Any]]:
    history = gql(
        app_client,
        """{ deployment(key: "prod/credit-risk-api") {
        servingHistory { role validFrom validTo reason modelVersion { key } } } }""",
    )
    rows: list[dict[str, Any]] = history["deployment"]["servingHistory"]
    return rows


def rollback_time(app_client: TestClient) -> datetime:
    """When the demo's credit-risk champion was rolled back (from v3 to v2)."""
    (row,) = [r for r in _serving(app_client) if r["reason"].startswith("rollback")]
    return datetime.fromisoformat(row["validFrom"])


def test_as_of_shows_the_serving_of_that_moment(app_client: TestClient, oracle: Oracle) -> None:
    rollback = rollback_time(app_client)
    deployment = "Deployment:prod/credit-risk-api"
    for at, champion in ((rollback - timedelta(hours=1), "credit-risk@3"),
                         (rollback + timedelta(hours=1), "credit-risk@2")):  # fmt: skip
        found = gql(app_client, EXPLORE, id=deployment, asOf=at.isoformat())["explore"]
        served = {e["target"]: e["role"] for e in found["edges"] if e["type"] == "SERVED"}
        assert served.get(f"ModelVersion:{champion}") == "champion", (at, served)
        assert served == {m: served[m] for m in oracle.hop(deployment, True, as_of=at, at=at)}, (
            "only what served at asOf"
        )
        (node,) = [n for n in found["nodes"] if n["id"] == deployment]
        expected_down = oracle.hop(deployment, False, as_of=at, at=at)
        assert node["downstreamCount"] == len(expected_down)  # predictions made by then


def test_badges_are_the_classifications_upstream(app_client: TestClient, oracle: Oracle) -> None:
    found = gql(app_client, EXPLORE, id="ModelVersion:credit-risk@2", direction="UPSTREAM",
                depth=4, first=1000)["explore"]  # fmt: skip
    assert "PII" in next(n for n in found["nodes"] if n["hops"] == 0)["classifications"]
    checked = 0
    for node in found["nodes"]:
        if node["node"]["kind"] == "Run":
            assert node["classifications"] == []
            continue
        q4 = gql(app_client, UPSTREAM_CLASSES, id=node["id"])["classificationsUpstream"]
        assert node["classifications"] == sorted({c["classification"] for c in q4}), node["id"]
        checked += 1
    assert checked > 5


Q4_PATHS = """query($id: ID!, $asOf: DateTime) { classificationsUpstream(id: $id, asOf: $asOf) {
  classification holder { id } path } }"""


def _q4(
    client: TestClient, uid: str, at: datetime | None = None
) -> dict[tuple[str, str], list[str]]:
    found = gql(client, Q4_PATHS, id=uid, asOf=at.isoformat() if at else None)
    return {(p["classification"], p["holder"]["id"]): p["path"]
            for p in found["classificationsUpstream"]}  # fmt: skip


def test_a_prediction_inherits_the_classifications_of_the_version_that_made_it(
    app_client: TestClient, oracle: Oracle
) -> None:
    predictions = sorted(u for u, n in oracle.nodes.items() if n.kind is Kind.PREDICTION)[:40]
    versions = {p: node_uid(Kind.MODEL_VERSION, oracle.nodes[p].props["model_version"])
                for p in predictions}  # fmt: skip
    for prediction in predictions:
        expected = {
            k: [prediction, *path] for k, path in _q4(app_client, versions[prediction]).items()
        }
        assert ("PII", "Dataset:customers-raw") in expected  # the demo trains on customers
        assert _q4(app_client, prediction) == expected, prediction
    # The same start for lineage: upstream of a prediction is upstream of its version.
    prediction = predictions[0]
    walk = "query($id: ID!) { lineage(id: $id, depth: 2, first: 500) { nodes { id } } }"
    ids = {n["id"] for n in gql(app_client, walk, id=prediction)["lineage"]["nodes"]}
    made_by = {n["id"] for n in gql(app_client, walk, id=versions[prediction])["lineage"]["nodes"]}
    assert versions[prediction] in ids and ids == made_by | {versions[prediction]}


def test_a_deployment_inherits_from_what_it_serves(app_client: TestClient, oracle: Oracle) -> None:
    """Now: the demo records its classifications when it loads, so a past asOf has none
    (what a deployment served at a past moment is checked by the incident walks, from the
    same start: incidentsUpstream in tests/test_monitoring_reads.py)."""
    deployment = "Deployment:prod/credit-risk-api"
    now = datetime.now(UTC)
    served = oracle.hop(deployment, True, as_of=None, at=now)
    union = {k: path for mv in sorted(served) for k, path in _q4(app_client, mv).items()}
    got = _q4(app_client, deployment)
    assert set(got) == set(union) and ("PII", "Dataset:customers-raw") in got
    for key, path in got.items():
        assert path[0] == deployment and path[1] in served, (key, path)
        # As short as the shortest from that version (equally short paths may differ).
        assert len(path[1:]) == len(_q4(app_client, path[1])[key]), (key, path)


def test_badges_of_deployments_and_predictions_are_their_classifications_upstream(
    app_client: TestClient, oracle: Oracle
) -> None:
    found = gql(app_client, EXPLORE, id="Deployment:prod/credit-risk-api", direction="BOTH",
                first=30)["explore"]  # fmt: skip
    checked = Counter[str]()
    for node in found["nodes"]:
        kind = node["node"]["kind"]
        if kind in ("Deployment", "Prediction"):
            q4 = {c for c, _ in _q4(app_client, node["id"])}
            assert node["classifications"] == sorted(q4), node["id"]
            assert "PII" in q4, node["id"]
            checked[kind] += 1
    assert checked["Deployment"] == 1 and checked["Prediction"] >= 10, checked


def test_statements_are_bounded_whatever_the_page_size(
    app_client: TestClient, oracle: Oracle
) -> None:
    nested = EXPLORE.replace(
        "node { id kind }",
        "node { id kind ... on Deployment { serving { role } owners { role } }"
        " ... on Entity { owners { role owner { ... on Team { key } } } } }",
    )
    costs = set()
    for first in (1, 10, 1000):
        for depth in (2,):
            body = post(app_client, nested, id="Deployment:prod/credit-risk-api",
                        depth=depth, first=first)  # fmt: skip
            assert "errors" not in body, body
            costs.add(body["extensions"]["neo4jStatements"])
    assert len(costs) == 1, costs
    # One lookup, one statement per hop, counts and classifications, and the nested loaders.
    assert costs.pop() <= 1 + 2 + 2 + 4


def test_pages_and_headers(app_client: TestClient) -> None:
    html = {"Accept": "text/html,application/xhtml+xml"}
    for path, asset in (("/graphql", "graphiql"), ("/explore", "explore")):
        response = app_client.get(path, headers=html)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert f'src="/assets/{asset}.js"' in response.text
        assert "http" not in response.text  # nothing from another origin
        script = app_client.get(f"/assets/{asset}.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
    # GraphQL over GET still answers an API client.
    response = app_client.get("/graphql", params={"query": "{ __typename }"})
    assert response.json()["data"] == {"__typename": "Query"}
    assert app_client.get("/assets/..%2Fapp.py").status_code == 404
    assert app_client.get("/assets/nothing.js").status_code == 404


def test_graphiql_off_serves_no_page(settings: Settings, auth_headers: dict[str, str]) -> None:
    with TestClient(create_app(settings.model_copy(update={"graphiql": False}))) as client:
        response = client.get("/graphql", headers={"Accept": "text/html"})
        assert "GraphiQL" not in response.text
        assert client.get("/explore", headers={"Accept": "text/html"}).status_code == 200
