"""The checked-in SDL and the Cypher files stay true to the code."""

from __future__ import annotations

from neo4j import Driver

from lineage_catalog.api.graphql.schema import SDL_PATH, print_sdl
from lineage_catalog.store.files import all_query_names, query_text


def test_schema_file_is_up_to_date() -> None:
    assert SDL_PATH.read_text() == print_sdl(), (
        "schema.graphql is out of date: run `.venv/bin/lineage schema --write schema.graphql`"
    )


def test_every_cypher_file_compiles(driver: Driver) -> None:
    names = all_query_names()
    assert names, "no query files found"
    # Auto-commit, since admin/ statements use CALL ... IN TRANSACTIONS.
    with driver.session() as session:
        for name in names:
            session.run("EXPLAIN " + query_text(name)).consume()
