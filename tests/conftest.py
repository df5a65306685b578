"""Test fixtures: one real Neo4j for the session, a clean graph for each test."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver, GraphDatabase

from lineage_catalog import localneo4j
from lineage_catalog.app import create_app
from lineage_catalog.domain.auth import Actor, Interface
from lineage_catalog.services.accounts import bootstrap_admin
from lineage_catalog.settings import Settings
from lineage_catalog.store.files import query_text
from lineage_catalog.store.graph import Graph, open_driver
from lineage_catalog.store.migrations import migrate

TEST_ACTOR = Actor("ServiceAccount:test-setup", True, Interface.CLI, "test-setup")


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """LINEAGE_NEO4J_URI when set, else a local Neo4j started for this session and stopped after."""
    given = os.environ.get("LINEAGE_NEO4J_URI")
    if given:
        yield given
        return
    running = localneo4j.start(
        data_dir=tmp_path_factory.mktemp("neo4j"), port=localneo4j.free_port(), heap="2g"
    )
    try:
        yield running.uri
    finally:
        localneo4j.stop(running)


@pytest.fixture(scope="session")
def settings(neo4j_uri: str) -> Settings:
    return Settings(neo4j_uri=neo4j_uri, local_neo4j_dir=str(Path(".local/test-unused")))


@pytest.fixture(scope="session")
def driver(settings: Settings) -> Iterator[Driver]:
    """A synchronous driver of the tests' own, to arrange and check data independently."""
    with GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
    ) as sync_driver:
        asyncio.run(_migrate(settings))
        yield sync_driver


async def _migrate(settings: Settings) -> None:
    async_driver = open_driver(settings)
    try:
        await migrate(async_driver, database=settings.neo4j_database)
    finally:
        await async_driver.close()


ADMIN_EMAIL = "admin@tests.example"


async def _bootstrap(settings: Settings, email: str) -> str:
    async_driver = open_driver(settings)
    try:
        graph = Graph(async_driver, database=settings.neo4j_database)
        issued = await bootstrap_admin(graph, actor=TEST_ACTOR, email=email, name="Test Admin")
        return issued.token
    finally:
        await async_driver.close()


@pytest.fixture(scope="session")
def admin_token(settings: Settings, driver: Driver) -> str:
    """A token of an admin (every role); accounts survive catalog wipes, so one per session."""
    return asyncio.run(_bootstrap(settings, ADMIN_EMAIL))


@pytest.fixture(scope="session")
def auth_headers(admin_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token}"}


@pytest.fixture
def clean_graph(driver: Driver, settings: Settings) -> Driver:
    """The graph emptied of the catalog's content; migration records, accounts with their
    tokens, the audit trail and the access log survive (see admin/wipe_catalog.cypher)."""
    with driver.session(database=settings.neo4j_database) as session:
        session.run(query_text("admin/wipe_catalog")).consume()
    return driver


@pytest.fixture(scope="session")
def app_client(settings: Settings, auth_headers: dict[str, str]) -> Iterator[TestClient]:
    """The real app (real driver, real Neo4j) behind an in-process HTTP client, as an admin."""
    with TestClient(create_app(settings), headers=auth_headers) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient, clean_graph: Driver) -> TestClient:
    """The app client with a clean graph."""
    return app_client
