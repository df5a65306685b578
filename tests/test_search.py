"""Q10 search finds names (issue 17, part 3; docs/search.md): an exact key first, then keys
that start with it, then words of keys, names, descriptions and tags; hostile text gives
results or BAD_USER_INPUT, never a masked error, and is never Lucene or Cypher syntax.

Expected hits come from the generator's own nodes and a word rule written here (a word is a
run of letters or digits; a term matches when it starts one), not from the catalog's code.
"""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.demo import generate, load_catalog
from lineage_catalog.settings import Settings
from lineage_catalog.store.files import query_text
from lineage_catalog.store.graph import Graph, open_driver
from lineage_catalog.store.migrations import load_migrations, migrate
from tests.expectations import Expected
from tests.graphql_client import gql, post

SEARCH = """query($text: String, $kinds: [NodeKind!], $first: Int) {
  search(text: $text, kinds: $kinds, first: $first) { score match node { id } } }"""
SEARCHABLE = {  # every kind but runs, predictions and evaluations
    "Dataset", "DatasetVersion", "Feature", "CodeCommit", "Job", "Model", "ModelVersion",
    "Deployment", "Person", "Team", "ServiceAccount", "Classification",
}  # fmt: skip
TIER = {"KEY": 0, "KEY_PREFIX": 1, "WORDS": 2}
MASKED = "Unexpected error."


def _wipe(driver: Driver, settings: Settings) -> None:
    with driver.session(database=settings.neo4j_database) as session:
        session.run(query_text("admin/wipe_catalog")).consume()


def _load(settings: Settings) -> Expected:
    catalog = generate(seed=11, predictions=300)

    async def run() -> None:
        async_driver = open_driver(settings)
        try:
            await load_catalog(Graph(async_driver, database=settings.neo4j_database), catalog)
        finally:
            await async_driver.close()

    asyncio.run(run())
    return Expected(catalog, now=datetime.now(UTC))


@pytest.fixture(scope="module")
def demo(settings: Settings, driver: Driver) -> Iterator[Expected]:
    """The demo catalog alone in the graph; what the tests register is wiped after."""
    _wipe(driver, settings)
    yield _load(settings)
    _wipe(driver, settings)


def _search(client: TestClient, text: str, **variables: Any) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = gql(client, SEARCH, text=text, first=100, **variables)["search"]
    return hits


def _ids(hits: list[dict[str, Any]], match: str | None = None) -> set[str]:
    return {h["node"]["id"] for h in hits if match is None or h["match"] == match}


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFC", text).casefold())


def _expected(demo: Expected, text: str, kinds: set[str] = SEARCHABLE) -> dict[str, str]:
    """uid -> how it should match: the key is the text, starts with it, or every term of
    the text starts a word of the node's key, name, description or tags."""
    terms = _words(text)
    found: dict[str, str] = {}
    for node in demo.nodes.values():
        if node.kind.value not in kinds:
            continue
        texts = [node.key, node.props.get("name") or "", node.props.get("description") or ""]
        words = _words(" ".join([*texts, *(node.props.get("tags") or [])]))
        if node.key == text:
            found[node.uid] = "KEY"
        elif node.key.startswith(text):
            found[node.uid] = "KEY_PREFIX"
        elif all(any(w.startswith(t) for w in words) for t in terms):
            found[node.uid] = "WORDS"
    return found


def _in_rank_order(hits: list[dict[str, Any]]) -> None:
    tiers = [TIER[h["match"]] for h in hits]
    assert tiers == sorted(tiers), [h["match"] for h in hits]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True), scores


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("loans-raw", "Dataset:loans-raw"),
        ("customers-raw", "Dataset:customers-raw"),
        ("credit-risk", "Model:credit-risk"),
    ],
)
def test_an_exact_key_comes_first_then_keys_starting_with_it_then_words(
    app_client: TestClient, demo: Expected, text: str, first: str
) -> None:
    hits = _search(app_client, text)
    assert hits, f"nothing found for {text!r}"
    assert (hits[0]["node"]["id"], hits[0]["match"]) == (first, "KEY")
    assert hits[0]["score"] >= 2
    _in_rank_order(hits)
    expected = _expected(demo, text)
    assert len(expected) < 100  # the page holds every hit
    assert {h["node"]["id"]: h["match"] for h in hits} == expected
    assert _ids(hits, "KEY_PREFIX")  # the dataset's versions, the model's versions


@pytest.mark.parametrize(
    "text",
    [
        "loans", "raw", "credit", "risk", "credit-risk-", "customers raw", "debt_to_income",
        "etl.loans", "etl", "features", "risk.features", "debt", "acme/credit", "churn-api",
        "Loans-Raw", "LOANS", "2026-04-01", "credit-risk@2",
    ],
)  # fmt: skip
def test_key_fragments_and_words_are_found(
    app_client: TestClient, demo: Expected, text: str
) -> None:
    hits = _search(app_client, text)
    expected = _expected(demo, text)
    assert expected, f"the demo has nothing for {text!r}"
    if len(expected) < 100:
        assert {h["node"]["id"]: h["match"] for h in hits} == expected
    else:  # a full page: the best 100, all of them expected
        assert len(hits) == 100
        assert _ids(hits) <= set(expected)
    _in_rank_order(hits)


@pytest.mark.parametrize(
    ("text", "uid"),
    [
        ("Loan applications", "Dataset:loans-raw"),
        ("bureau reports", "Dataset:bureau-raw"),
        ("Customers (raw)", "Dataset:customers-raw"),
        ("monthly snapshot postgres", "Dataset:customers-raw"),
        ("Tomás", "Person:tomas.rivera@acme.example"),
        ("Toma\u0301s Rivera", "Person:tomas.rivera@acme.example"),  # decomposed accent
        ("rivera", "Person:tomas.rivera@acme.example"),
        ("personally identifiable", "Classification:PII"),
    ],
)
def test_words_of_a_name_or_description_are_found(
    app_client: TestClient, demo: Expected, text: str, uid: str
) -> None:
    assert uid in demo.nodes
    assert uid in _ids(_search(app_client, text))


def test_kinds_limit_the_hits(app_client: TestClient, demo: Expected) -> None:
    hits = _search(app_client, "loans-raw", kinds=["DATASET_VERSION"])
    assert _ids(hits) == set(_expected(demo, "loans-raw", {"DatasetVersion"}))
    assert {h["match"] for h in hits} == {"KEY_PREFIX"}


def _node_count(driver: Driver) -> int:
    records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n")
    return int(records[0]["n"])


FRAGMENT_KEY = "atk-detach:delete/n+or%and.not"
FRAGMENT_NAME = 'x\'}) MATCH (n) DETACH DELETE n // loans* OR name:"x" AND ~ ^2 [a TO z] \\ /re/'


def test_a_dataset_named_with_cypher_and_lucene_is_found_by_its_words(
    app_client: TestClient, demo: Expected, driver: Driver
) -> None:
    gql(
        app_client,
        """mutation($k: String!, $n: String) {
             registerDataset(input: {key: $k, name: $n, tags: ["x') OR 1=1 //"]}) { key } }""",
        k=FRAGMENT_KEY,
        n=FRAGMENT_NAME,
    )
    before = _node_count(driver)
    uid = f"Dataset:{FRAGMENT_KEY}"
    hits = _search(app_client, FRAGMENT_KEY)
    assert (hits[0]["node"]["id"], hits[0]["match"]) == (uid, "KEY")
    assert uid in _ids(_search(app_client, "atk-detach"), "KEY_PREFIX")
    for text in ("detach delete", "DETACH DELETE", "delete", "TO z", FRAGMENT_NAME, "1=1",
                 "not and or", "AND", "OR", "NOT"):  # fmt: skip
        assert uid in _ids(_search(app_client, text), "WORDS"), text
    # The name's operators are words, not syntax: `loans* OR ...` is not everything loans.
    assert _ids(_search(app_client, FRAGMENT_NAME)) == {uid}
    assert _node_count(driver) == before
    assert "Dataset:loans-raw" in _ids(_search(app_client, "loans-raw"))


# (text, True when it gives hits or an empty list, False when it is refused)
HOSTILE: list[tuple[str, bool]] = [
    *((op, True) for op in ("AND", "OR", "NOT", "AND OR NOT", "TO", "and", "NOT loans")),
    *((op, False) for op in '+-&|!(){}[]^"~*?:\\/@_.'),
    *((op, False) for op in ("&&", "||", "**", "  ", "\t\n")),
    ("-raw", True),
    ('loans* OR name:"x" AND ~ ^2 [a TO z] \\ /re/', True),
    ("raw~2", True),
    ("name:loans", True),
    ("key:loans-raw", True),
    ('"unterminated', True),
    ("(loans", True),
    ("loans)", True),
    ("[a TO z]", True),
    ("{a TO z}", True),
    ("/regex.*/", True),
    ("loans^10", True),
    ("+loans -raw", True),
    ("l?ans", True),
    ("\\u0041ND", True),
    ("x'}) MATCH (n) DETACH DELETE n //", True),
    ("`) RETURN 1 UNION MATCH (n) RETURN n //", True),
    ("'; CALL db.index.fulltext.drop('catalog_search'); //", True),
    ("$text $key {limit: 1}", True),
    ("数据集", True),
    ("Ελληνικά кириллица العربية", True),
    ("\U0001f600", False),
    ("atk \U0001f600 \U0010ffff", True),
    ("e\u0301\u0301\u0301", True),
    ("atk\u200b\u200c\u200d\ufeff", True),
    ("atk \u202egnp.exe", True),
    ("atk\x00nul", True),
    ("atk\x01\x07\x08\x1b[31m\x7f", True),
    ("atk \ud800 text", False),
    ("\udc00", False),
    ("a" * 500, True),
    ("a" * 501, False),
    ("loans-" * 83, True),  # 498 characters, one term
    (" ".join(["w"] * 20), True),
    (" ".join(f"w{i}" for i in range(20)), True),
    (" ".join(f"w{i}" for i in range(21)), False),
    ("-".join(f"p{i}" for i in range(21)), False),
]


@pytest.mark.parametrize(("text", "answers"), HOSTILE, ids=[ascii(t)[:40] for t, _ in HOSTILE])
def test_hostile_text_is_results_or_bad_user_input(
    app_client: TestClient, demo: Expected, driver: Driver, text: str, answers: bool
) -> None:
    before = _node_count(driver)
    # json.dumps escapes a lone surrogate, which the client's own encoder refuses to send.
    request = json.dumps({"query": SEARCH, "variables": {"text": text, "first": 100}})
    response = app_client.post(
        "/graphql", content=request, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    errors = body.get("errors")
    if answers:
        assert not errors, errors
        assert isinstance(body["data"]["search"], list)
    else:
        assert errors, body
        assert errors[0]["message"] != MASKED, errors
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
        assert errors[0]["extensions"]["field"] == "text", errors
    assert _node_count(driver) == before


def test_empty_text_without_filters_is_bad_user_input(app_client: TestClient) -> None:
    body = post(app_client, SEARCH, text="")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert body["errors"][0]["extensions"]["field"] == "text", body


def test_filters_alone_still_search(app_client: TestClient, demo: Expected) -> None:
    query = """query($c: String) { search(classification: $c, first: 100) {
      score match node { id } } }"""
    hits = gql(app_client, query, c="SENSITIVE")["search"]
    labelled = {
        e.source
        for e in demo.edges
        if e.rel.value == "CLASSIFIED_AS" and e.target == "Classification:SENSITIVE"
    }
    assert labelled
    assert _ids(hits) == labelled
    assert {h["match"] for h in hits} == {"FILTERS"}


def _migrate(settings: Settings) -> list[int]:
    async def run() -> list[int]:
        async_driver = open_driver(settings)
        try:
            return [m.version for m in await migrate(async_driver, database="neo4j")]
        finally:
            await async_driver.close()

    return asyncio.run(run())


def test_the_search_migration_applies_on_an_existing_database(
    app_client: TestClient, demo: Expected, driver: Driver, settings: Settings
) -> None:
    (version,) = [m.version for m in load_migrations() if m.name == "search"]
    # A database migrated before it, with the catalog in it: the index is built from what
    # is stored, and the migration waits until it is online.
    driver.execute_query("DROP INDEX catalog_search_parts IF EXISTS")
    driver.execute_query("MATCH (m:SchemaMigration {version: $v}) DELETE m", v=version)
    assert _migrate(settings) == [version]
    assert _migrate(settings) == []
    records, _, _ = driver.execute_query(
        "SHOW FULLTEXT INDEXES YIELD name, state, options "
        "RETURN name, state, options.indexConfig.`fulltext.analyzer` AS analyzer"
    )
    indexes = {r["name"]: (r["state"], r["analyzer"]) for r in records}
    assert indexes["catalog_search"] == ("ONLINE", "standard-no-stop-words")
    assert indexes["catalog_search_parts"] == ("ONLINE", "simple")
    assert "Feature:credit.debt_to_income" in _ids(_search(app_client, "debt_to_income"))
