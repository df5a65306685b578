"""The store's read path: stored values come back exactly, and an absent database is retried
and then reported as unavailable."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial

import pytest
from neo4j import Driver

from lineage_catalog import localneo4j
from lineage_catalog.domain.errors import GraphUnavailableError
from lineage_catalog.settings import Settings
from lineage_catalog.store import nodes
from lineage_catalog.store.graph import Graph, open_driver

TIMES = {  # property -> the value stored, as Neo4j holds it
    "utc": datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
    "plus_two": datetime(2026, 3, 1, 14, 30, tzinfo=timezone(timedelta(hours=2))),
    "minus_half": datetime(2025, 12, 31, 23, 59, 59, 999999,
                           tzinfo=timezone(-timedelta(hours=3, minutes=30))),
    "before_1970": datetime(1969, 7, 20, 20, 17, 40, 5, tzinfo=UTC),
    "year_one": datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
    "year_9999": datetime(9999, 12, 31, 23, 30, tzinfo=timezone(-timedelta(hours=1))),
}  # fmt: skip


def test_stored_values_come_back_exactly(clean_graph: Driver, settings: Settings) -> None:
    props = {**TIMES, "day": date(2026, 1, 2), "count": 3, "ratio": 0.5, "tags": ["a", "b"],
             "name": "x", "params_json": '{"k": [1, 2]}', "odd_json": 5}  # fmt: skip
    # Written from ISO text in Cypher: the driver cannot send a time whose UTC instant is
    # outside Python's range (year_one), though Neo4j holds it.
    clean_graph.execute_query(
        "CREATE (n:Node:Run {uid: 'Run:t', kind: 'Run', key: 't'}) SET n += $plain "
        "WITH n UNWIND keys($times) AS name SET n[name] = datetime($times[name])",
        plain={k: v for k, v in props.items() if k not in TIMES},
        times={k: v.isoformat() for k, v in TIMES.items()},
        database_=settings.neo4j_database,
    )

    # A page reads the properties its layout names by name, and every other one as a pair,
    # as do the properties that are not what the layout expects: a datetime under a plain
    # name, one not in UTC or a date under a datetime's name, a number under a JSON one.
    layout = nodes.PageLayout(
        plain=("name", "count", "tags", "plus_two", "missing"),
        json=("params", "odd", "absent"),
        zoned=("utc", "before_1970", "minus_half", "day", "no_time"),
    )

    async def read() -> tuple[nodes.NodeRecord, list[list[nodes.NodeRecord]]]:
        driver = open_driver(settings)
        try:
            graph = Graph(driver, database=settings.neo4j_database)
            by_uid = await nodes.nodes_by_uid(graph, uids=["Run:t", "Run:missing"])
            read_page = partial(nodes.page_by_kind, graph, kind=nodes.Kind.RUN, after="", limit=5)
            pages = [await read_page(layout=chosen) for chosen in (nodes.PageLayout(), layout)]
            return by_uid["Run:t"], [page.nodes for page in pages]
        finally:
            await driver.close()

    found, pages = asyncio.run(read())
    expected = {**props, "params": {"k": [1, 2]}}
    del expected["params_json"]
    assert found.props == expected
    for name, value in TIMES.items():  # the same instant, and the same offset
        assert found.props[name].utcoffset() == value.utcoffset(), name
    for page in pages:
        assert [n.props for n in page] == [expected]
        for name, value in TIMES.items():
            assert page[0].props[name].utcoffset() == value.utcoffset(), name


def test_a_page_reads_its_json_as_json_loads_does() -> None:
    # A page's texts are checked for long numbers at once; a page holding one, or a text
    # orjson refuses, is read text by text, and every value is what json.loads gives.
    layout = nodes.PageLayout(plain=("name",), json=("params",))
    texts = [
        '{"k": [1, 2.5, "x"]}',
        '{"n": 123456789012345678901}',  # beyond 64 bits: orjson would answer a float
        '{"s": "\\ud800"}',  # a lone surrogate escape, which orjson refuses
        '{"n": -9223372036854775809}',
        "[]",
    ]
    for page in ([texts[0], texts[4]], texts, [texts[0], texts[2]], [texts[3]]):
        rows = [[f"k{i}", ["a", text], [], []] for i, text in enumerate(page)]
        decoded = layout.decode_rows(rows)
        assert decoded == [{"name": "a", "params": json.loads(text)} for text in page]
        for props, text in zip(decoded, page, strict=True):
            assert repr(props["params"]) == repr(json.loads(text))  # ints stay ints


def test_a_page_layout_names_each_property_once() -> None:
    for twice in (
        {"plain": ("a", "a")},
        {"plain": ("a",), "json": ("a",)},
        {"plain": ("a",), "zoned": ("a",)},
        {"plain": ("uid",)},
    ):
        with pytest.raises(ValueError, match="named twice"):
            nodes.PageLayout(**twice)  # type: ignore[arg-type]
    assert nodes.PageLayout(plain=("tags",)).plain == ("tags", "tag_text")  # written with them


def test_a_read_without_a_database_is_retried_then_unavailable() -> None:
    settings = Settings(neo4j_uri=f"bolt://127.0.0.1:{localneo4j.free_port()}")

    async def read() -> float:
        driver = open_driver(settings)
        started = time.monotonic()
        try:
            with pytest.raises(GraphUnavailableError, match="unavailable"):
                await Graph(driver, database="neo4j", retry_time_s=1.0).read(
                    "node/nodes_by_uid", uids=["Run:t"], named={}
                )
            return time.monotonic() - started
        finally:
            await driver.close()

    # Refused connections fail at once; the read keeps trying for the retry time.
    assert 1.0 <= asyncio.run(read()) < 10
