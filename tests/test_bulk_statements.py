"""Bulk work outlives the database's default transaction timeout (store.graph.untimed).

A `CALL ... IN TRANSACTIONS` job commits batch by batch, but its outer transaction lasts
the whole job: under a timeout meant for requests, a wipe or a data migration of a large
catalog was cancelled half-way (a default run of the harness lost IMPORT so, wiping 11M
nodes past the local Neo4j's 10 minutes). Here a Neo4j of its own cancels any transaction
after half a second, and the catalog's own paths (Graph.run_batched, migrate) finish such
jobs there: the wipe, which the test first shows cancelled when sent as a request is, and
every migration over 300,000 stored predictions (cancelled before the fix, in one of the
`CALL ... IN TRANSACTIONS` statements).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from neo4j import AsyncDriver, Driver, GraphDatabase
from neo4j.exceptions import ClientError

from lineage_catalog import localneo4j
from lineage_catalog.settings import Settings
from lineage_catalog.store.files import query_text
from lineage_catalog.store.graph import Graph, open_driver, untimed
from lineage_catalog.store.migrations import load_migrations, migrate

TIMEOUT_MS = 500
# Enough rows that each job's outer transaction runs for seconds, several times the
# timeout, while each of its batches (10,000 rows) stays well within it: Neo4j gives every
# batch the database's default timeout, whatever the client asked for.
ROWS = 300_000


@pytest.fixture
def short_timeout_neo4j(tmp_path: Path) -> Iterator[str]:
    running = localneo4j.start(
        data_dir=tmp_path, port=localneo4j.free_port(), heap="1g",
        transaction_timeout_ms=TIMEOUT_MS,
    )  # fmt: skip
    try:
        yield running.uri
    finally:
        localneo4j.stop(running)


def _create(driver: Driver, node: str) -> None:
    """ROWS nodes, `node` a CREATE pattern of `i`, untimed, in batches small enough to stay
    far within the timeout even on a cold, busy database (batches of 5,000 did not once)."""
    with driver.session() as session:
        session.run(untimed(
            f"UNWIND range(1, $rows) AS i CALL (i) {{ CREATE {node} }} "
            "IN TRANSACTIONS OF 500 ROWS"
        ), rows=ROWS).consume()  # fmt: skip


def _cancelled(driver: Driver, text: str) -> None:
    """The statement, sent as a request is (no timeout of its own), is cancelled."""
    with pytest.raises(ClientError) as raised, driver.session() as session:
        session.run(text).consume()
    assert raised.value.code is not None and "TransactionTimedOut" in raised.value.code


def _run(uri: str, work: Callable[[AsyncDriver], Awaitable[object]]) -> None:
    async def run() -> None:
        async_driver = open_driver(Settings(neo4j_uri=uri))
        try:
            await work(async_driver)
        finally:
            await async_driver.close()

    asyncio.run(run())


def _count(driver: Driver, query: str) -> object:
    # Untimed too: on a cold, busy database even a count's planning can take half a second.
    records, _, _ = driver.execute_query(untimed(query))
    return records[0][0]


def test_the_wipe_of_a_large_catalog_outlives_the_timeout(short_timeout_neo4j: str) -> None:
    with GraphDatabase.driver(short_timeout_neo4j) as driver:
        _create(driver, "(:Node:Dataset {uid: 'Dataset:d' + i, kind: 'Dataset', key: 'd' + i})")
        _cancelled(driver, query_text("admin/wipe_catalog"))
        _run(short_timeout_neo4j,
             lambda d: Graph(d, database="neo4j").run_batched("admin/wipe_catalog"))  # fmt: skip
        assert _count(driver, "MATCH (n:Node) RETURN count(n)") == 0


def test_migrations_over_a_large_catalog_outlive_the_timeout(short_timeout_neo4j: str) -> None:
    with GraphDatabase.driver(short_timeout_neo4j) as driver:
        # Predictions stored before the migrations ran, as on the new database of an
        # offline import (lineage import), which then runs every migration.
        _create(driver, "(:Node:Prediction {uid: 'Prediction:p' + i, kind: 'Prediction', "
                        "key: 'p' + i, deployment: 'Deployment:d' + i % 10, "
                        "model_version: 'ModelVersion:m@1', time: datetime('2026-01-01T12:00Z')"
                        " + duration({days: i % 30})})")  # fmt: skip
        _run(short_timeout_neo4j, lambda d: migrate(d, database="neo4j"))
        days = "MATCH (h:PredictionDay) RETURN [count(h), sum(h.count)]"
        assert _count(driver, days) == [30, ROWS]
        migrations = "MATCH (m:SchemaMigration) RETURN count(m)"
        assert _count(driver, migrations) == len(load_migrations())
