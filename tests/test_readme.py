"""The README's GraphQL examples run against the demo data, loaded as `lineage demo load`
loads it: every ```graphql block answers without errors and with something in each part,
and every node id the README names is in the demo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.domain.model import Kind
from lineage_catalog.settings import Settings
from tests.factories import load_demo_catalog
from tests.graphql_client import gql, post

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```graphql\n(.*?)^```", re.M | re.S)
# `<Kind>:<key>` in the text, a placeholder such as Person:<email> left out.
NODE_ID = re.compile(rf"\b(?:{'|'.join(k.value for k in Kind)}):[A-Za-z0-9][^\s`\"'<>),|]*+(?!<)")


def _blocks() -> list[str]:
    return BLOCK.findall(README.read_text())


@pytest.fixture(scope="module")
def demo(settings: Settings, driver: Driver) -> Iterator[None]:
    load_demo_catalog(settings)
    yield


def _empty_parts(value: Any, path: str) -> list[str]:
    """[path] when an answer's part is null or an empty list: an example that shows nothing."""
    return [path] if value is None or value == [] else []


def test_the_readme_has_graphql_examples() -> None:
    assert len(_blocks()) >= 4


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_each_readme_graphql_block_answers_from_the_demo(
    app_client: TestClient, demo: None, index: int
) -> None:
    block = _blocks()[index]
    body = post(app_client, block)
    assert "errors" not in body, (block, body["errors"])
    data = body["data"]
    assert data, block
    # Each root field and each of its parts must hold something; deeper down, an item may
    # lack a part (a commit with no recorded author, say).
    for key, value in data.items():
        assert value not in (None, [], {}), (block, key)
        if isinstance(value, dict):
            empty = [p for part, item in value.items() for p in _empty_parts(item, f"{key}.{part}")]
            assert not empty, (block, empty)


def test_every_node_id_the_readme_names_is_in_the_demo(app_client: TestClient, demo: None) -> None:
    ids = sorted(set(NODE_ID.findall(README.read_text())))
    assert "DatasetVersion:loans-raw@2026-09-01" in ids
    query = "query($id: ID!) { node(id: $id) { id } }"
    missing = [i for i in ids if gql(app_client, query, id=i)["node"] is None]
    assert not missing, f"the README names ids the demo does not have: {missing}"
