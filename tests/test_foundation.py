"""The foundation: migrations, health, readiness, metrics, one GraphQL round trip."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog import localneo4j
from lineage_catalog.app import create_app
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import open_driver
from lineage_catalog.store.migrations import load_migrations, migrate


def test_migrations_are_idempotent_and_create_every_constraint(
    driver: Driver, settings: Settings
) -> None:
    async def migrate_again() -> list[int]:
        async_driver = open_driver(settings)
        try:
            return [m.version for m in await migrate(async_driver, database="neo4j")]
        finally:
            await async_driver.close()

    # The session fixture already migrated: a second run has nothing left to do.
    assert asyncio.run(migrate_again()) == []
    recorded, _, _ = driver.execute_query(
        "MATCH (m:SchemaMigration) RETURN m.version AS v ORDER BY v"
    )
    assert [r["v"] for r in recorded] == [m.version for m in load_migrations()]

    constraints, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type "
        "WHERE type = 'UNIQUENESS' RETURN labelsOrTypes[0] AS label, properties AS props"
    )
    unique = {(r["label"], tuple(r["props"])) for r in constraints}
    assert ("Node", ("uid",)) in unique
    assert ("AuditEvent", ("key",)) in unique
    indexes, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name, type WHERE type = 'FULLTEXT' RETURN name"
    )
    assert "catalog_search" in {r["name"] for r in indexes}


def test_migration_edited_after_apply_is_refused(
    driver: Driver, settings: Settings, tmp_path: object
) -> None:
    from lineage_catalog.store.migrations import MigrationError

    driver.execute_query("MATCH (m:SchemaMigration {version: 1}) SET m.checksum = 'edited'")

    async def run() -> None:
        async_driver = open_driver(settings)
        try:
            await migrate(async_driver, database="neo4j")
        finally:
            await async_driver.close()

    try:
        with pytest.raises(MigrationError, match="changed after it was applied"):
            asyncio.run(run())
    finally:
        real = load_migrations()[0].checksum
        driver.execute_query("MATCH (m:SchemaMigration {version: 1}) SET m.checksum = $c", c=real)


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readyz_is_503_with_a_reason_after_neo4j_stops(tmp_path: Path) -> None:
    running = localneo4j.start(data_dir=tmp_path, port=localneo4j.free_port(), heap="512m")
    try:
        settings = Settings(
            neo4j_uri=running.uri, neo4j_connection_timeout_s=1.0, neo4j_retry_time_s=0
        )
        with TestClient(create_app(settings)) as client:
            assert client.get("/readyz").status_code == 200
            localneo4j.stop(running)
            down = client.get("/readyz")
            assert down.status_code == 503
            body = down.json()
            assert body["status"] == "unavailable"
            assert "Neo4j is unavailable" in body["reason"]
            # The process itself stays alive.
            assert client.get("/healthz").status_code == 200
    finally:
        localneo4j.stop(running)


def test_graphql_round_trip_counts_nodes_and_statements(
    client: TestClient, clean_graph: Driver
) -> None:
    clean_graph.execute_query(
        "UNWIND range(1, 3) AS i CREATE (:Dataset {key: 'd' + i}) "
        "WITH count(*) AS _ CREATE (:Team {key: 't'})"
    )
    response = client.post(
        "/graphql",
        json={"query": "query Stats { catalogStats { datasets teams models } }"},
        headers={"x-request-id": "req-42"},
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-42"
    body = response.json()
    assert body["data"] == {"catalogStats": {"datasets": 3, "teams": 1, "models": 0}}
    assert body["extensions"]["neo4jStatements"] == 1

    metrics = client.get("/metrics").text
    assert 'lineage_graphql_requests_total{operation="Stats",outcome="ok"}' in metrics
    assert 'lineage_neo4j_query_seconds_count{query="catalog/catalog_stats"}' in metrics


def test_graphiql_is_served(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


def test_local_neo4j_refuses_a_taken_port() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(localneo4j.LocalNeo4jError, match=f"port {port} .* already taken"):
            localneo4j.start(data_dir=Path("/tmp/unused"), port=port)
