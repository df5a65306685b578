"""Every Relay connection (nodes, unowned, auditTrail): pageInfo complete on every page and
totalCount the number of matches on all pages, counted only when asked for."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.demo import generate
from lineage_catalog.settings import Settings
from tests.expectations import Expected
from tests.graphql_client import gql, post
from tests.test_questions import load

UNOWNED_KINDS = ("Dataset", "Feature", "Job", "Model", "Deployment")


@pytest.fixture(scope="module")
def demo(settings: Settings, driver: Driver) -> Iterator[Expected]:
    catalog = generate(seed=13, predictions=40)
    load(settings, catalog)
    yield Expected(catalog, now=datetime.now(UTC))


def _walk(client: TestClient, query: str, root: str, **variables: Any) -> list[dict[str, Any]]:
    """Every page of a connection, first to last, checking each page's pageInfo."""
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        page = gql(client, query, after=after, **variables)[root]
        info, edges = page["pageInfo"], page["edges"]
        assert info["hasPreviousPage"] is (after is not None)
        assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
        assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)
        pages.append(page)
        if not info["hasNextPage"]:
            return pages
        assert edges, "a page with more after it is not empty"
        after = info["endCursor"]


PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


def test_nodes_pages_and_total(app_client: TestClient, demo: Expected) -> None:
    query = f"""query($after: String) {{ nodes(kind: DATASET_VERSION, first: 7, after: $after) {{
      totalCount edges {{ cursor node {{ key }} }} {PAGE_INFO} }} }}"""
    versions = sorted(v.key for v in demo.by_kind("DatasetVersion"))
    pages = _walk(app_client, query, "nodes")
    assert len(pages) > 2
    assert [e["node"]["key"] for p in pages for e in p["edges"]] == versions
    assert {p["totalCount"] for p in pages} == {len(versions)}


def test_unowned_pages_and_total(app_client: TestClient, demo: Expected) -> None:
    query = f"""query($after: String, $kinds: [NodeKind!]) {{
      unowned(first: 2, after: $after, kinds: $kinds) {{
        totalCount edges {{ cursor node {{ id }} }} {PAGE_INFO} }} }}"""
    expected = sorted(
        uid
        for uid, n in demo.nodes.items()
        if n.kind.value in UNOWNED_KINDS and not demo.current_owners(uid)
    )
    assert len(expected) > 2, "the generator leaves several things without an owner"
    pages = _walk(app_client, query, "unowned")
    assert [e["node"]["id"] for p in pages for e in p["edges"]] == expected
    assert {p["totalCount"] for p in pages} == {len(expected)}

    features = [uid for uid in expected if uid.startswith("Feature:")]
    pages = _walk(app_client, query, "unowned", kinds=["FEATURE"])
    assert [e["node"]["id"] for p in pages for e in p["edges"]] == features
    assert {p["totalCount"] for p in pages} == {len(features)}


def test_audit_trail_pages_and_total(app_client: TestClient, demo: Expected) -> None:
    # Teams with keys of this run only: the trail survives catalog wipes, so the targets
    # filter picks out exactly these events, and unowned (no teams) is not disturbed.
    keys = [f"conn-{uuid.uuid4().hex[:8]}-{i}" for i in range(5)]
    mutation = (
        "mutation($k: String!, $n: String) { registerTeam(input: {key: $k, name: $n}) { id } }"
    )
    for key in keys:
        gql(app_client, mutation, k=key, n=None)
    for key in keys[:2]:
        gql(app_client, mutation, k=key, n="renamed")  # a change: one more event each
    targets = [f"Team:{k}" for k in keys]
    query = f"""query($after: String, $target: [ID!], $action: String) {{
      auditTrail(target: $target, action: $action, first: 3, after: $after) {{
        totalCount edges {{ cursor node {{ seq target }} }} {PAGE_INFO} }} }}"""

    pages = _walk(app_client, query, "auditTrail", target=targets)
    events = [e["node"] for p in pages for e in p["edges"]]
    assert len(events) == 7 and {e["target"] for e in events} == set(targets)
    assert [e["seq"] for e in events] == sorted((e["seq"] for e in events), reverse=True)
    assert {p["totalCount"] for p in pages} == {7}

    (one,) = _walk(app_client, query, "auditTrail", target=targets[:1], action="register.")
    assert one["totalCount"] == 2 == len(one["edges"])
    (none,) = _walk(app_client, query, "auditTrail", target=targets, action="no.such.")
    assert none["totalCount"] == 0 and none["edges"] == []


@pytest.mark.parametrize(
    "field",
    [
        "nodes(kind: DATASET, first: 2)",
        "unowned(first: 2)",
        'auditTrail(first: 2, action: "register.")',
    ],
)
def test_the_total_is_one_more_statement_only_when_selected(
    app_client: TestClient, demo: Expected, field: str
) -> None:
    without = post(app_client, f"{{ {field} {{ edges {{ cursor }} {PAGE_INFO} }} }}")
    counted = post(app_client, f"{{ {field} {{ totalCount edges {{ cursor }} }} }}")
    assert "errors" not in without and "errors" not in counted
    root = field.split("(")[0]
    assert counted["data"][root]["totalCount"] >= len(counted["data"][root]["edges"]) > 0
    assert without["extensions"]["neo4jStatements"] == 1
    assert counted["extensions"]["neo4jStatements"] == 2
