"""OpenLineage lineage does not depend on the order events arrive in (issue 12).

One pipeline of 16 runs (a chain with fan-in, and a re-run of its first job), with
DatasetEvents and JobEvents about the same datasets and jobs, is sent in file order,
reversed, shuffled and by concurrent senders; the whole graph must come out the same each
time, and right.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.store.files import query_text
from tests import test_openlineage
from tests.fingerprint import fingerprint
from tests.graphql_client import gql

server_url = test_openlineage.server_url  # the real uvicorn, for the concurrent senders

PRODUCER = "https://example.com/lineage-catalog-tests/order"
NS = "hdfs://warehouse"
BASE = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)
CHAIN = 14  # jobs step0 .. step13


def _at(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _input(name: str) -> dict[str, Any]:
    # No version facet: the catalog resolves the version; the reader's facets ride along.
    return {
        "namespace": NS,
        "name": name,
        "facets": {
            "dataSource": {"name": "hdfs", "uri": NS},
            "schema": {"fields": [{"name": "id", "type": "long"}]},
        },
        "inputFacets": {"dataQualityMetrics": {"rowCount": len(name)}},
    }


def _output(name: str, version: str | None) -> dict[str, Any]:
    facets: dict[str, Any] = {"schema": {"fields": [{"name": "id", "type": "long"}]}}
    if version is not None:
        facets["version"] = {"datasetVersion": version}
    return {"namespace": NS, "name": name, "facets": facets,
            "outputFacets": {"outputStatistics": {"rowCount": 10}}}  # fmt: skip


def _run_events(
    run_id: str, job: str, start: int, *, reads: list[str], writes: list[tuple[str, str | None]]
) -> list[dict[str, Any]]:
    """START at `start` minutes, COMPLETE 5 minutes later; both name inputs and outputs."""
    inputs = [_input(r) for r in reads]
    outputs = [_output(name, version) for name, version in writes]
    return [
        {
            "eventType": kind,
            "eventTime": _at(at),
            "producer": PRODUCER,
            "run": {"runId": run_id, "facets": {}},
            "job": {"namespace": "spark", "name": job},
            "inputs": inputs,
            "outputs": outputs,
        }
        for kind, at in (("START", start), ("COMPLETE", start + 5))
    ]


def _dataset_event(name: str, at: int, **facets: Any) -> dict[str, Any]:
    return {"eventTime": _at(at), "producer": PRODUCER,
            "dataset": {"namespace": NS, "name": name, "facets": facets}}  # fmt: skip


def _job_event(job: str, at: int, *, reads: list[str], writes: list[str]) -> dict[str, Any]:
    return {
        "eventTime": _at(at),
        "producer": PRODUCER,
        "job": {"namespace": "spark", "name": job,
                "facets": {"documentation": {"description": f"{job} as of {at}"}}},
        "inputs": [_input(r) for r in reads],
        "outputs": [{"namespace": NS, "name": w} for w in writes],
    }  # fmt: skip


def _key(name: str, version: str) -> str:
    return f"{NS}/{name}@{version}"


def pipeline() -> tuple[list[dict[str, Any]], dict[tuple[str, str], str]]:
    """The events in file order, and for each (run, dataset read) the version it must use.

    step0 reads two raw sources; step1 reads step0's output; every later step reads the
    outputs of the two steps before it (fan-in). Even steps name their output's version,
    odd ones do not (the version is the run id). Event times increase along the chain; at
    the end step0 runs again (a newer version of d0) and one more job reads that one.
    A DatasetEvent names a version of raw.a that no run generated (so its readers read that
    one, not a placeholder), another describes d5; two JobEvents declare step3's datasets.
    """
    events: list[dict[str, Any]] = []
    expected: dict[tuple[str, str], str] = {}
    made: dict[str, str] = {}  # dataset -> version key its producer wrote
    for i in range(CHAIN):
        run_id = f"run-step{i}"
        reads = ["raw.a", "raw.b"] if i == 0 else [f"d{i - 1}"] + ([f"d{i - 2}"] if i > 1 else [])
        version = f"v{i}" if i % 2 == 0 else None
        events += _run_events(run_id, f"step{i}", 10 * i, reads=reads,
                              writes=[(f"d{i}", version)])  # fmt: skip
        for r in reads:
            expected[(run_id, r)] = made.get(r, _key(r, "0"))
        made[f"d{i}"] = _key(f"d{i}", version or run_id)
    # A re-run of step0 after the chain: readers that started before it ended keep the old d0.
    rerun_at = 10 * CHAIN
    events += _run_events("run-step0-again", "step0", rerun_at, reads=["raw.a", "raw.b"],
                          writes=[("d0", None)])  # fmt: skip
    expected[("run-step0-again", "raw.a")] = _key("raw.a", "0")
    expected[("run-step0-again", "raw.b")] = _key("raw.b", "0")
    events += _run_events("run-late-reader", "late", rerun_at + 10, reads=["d0", f"d{CHAIN - 1}"],
                          writes=[("late.out", None)])  # fmt: skip
    expected[("run-late-reader", "d0")] = _key("d0", "run-step0-again")
    expected[("run-late-reader", f"d{CHAIN - 1}")] = made[f"d{CHAIN - 1}"]
    schema = {"fields": [{"name": "id", "type": "long"}]}
    events += [
        _dataset_event("raw.a", 1, schema=schema, version={"datasetVersion": "snap"}),
        _dataset_event("d5", 300, documentation={"description": "step5's output"}),
        _job_event("step3", 0, reads=["d2", "d1"], writes=["d3"]),
        _job_event("step3", 400, reads=["d2"], writes=["d3", "d3.audit"]),
    ]
    for run in ("run-step0", "run-step0-again"):
        expected[(run, "raw.a")] = _key("raw.a", "snap")
    return events, expected


def _post(client: TestClient, event: dict[str, Any]) -> None:
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 201, response.text


def _wipe(driver: Driver) -> None:
    with driver.session() as session:
        session.run(query_text("admin/wipe_catalog")).consume()


def _used(driver: Driver) -> dict[tuple[str, str], list[str]]:
    rows, _, _ = driver.execute_query(
        "MATCH (r:Run)-[:USED]->(v:DatasetVersion)-[:VERSION_OF]->(d:Dataset) "
        "RETURN r.key AS run, d.name AS dataset, v.key AS version"
    )
    found: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        found.setdefault((row["run"], row["dataset"]), []).append(row["version"])
    return found


def _placeholders(driver: Driver) -> set[str]:
    rows, _, _ = driver.execute_query(
        "MATCH (v:DatasetVersion) WHERE v.placeholder = true RETURN v.key AS key"
    )
    return {row["key"] for row in rows}


def test_a_consumer_started_before_its_producer_completed_is_relinked(
    client: TestClient, clean_graph: Driver
) -> None:
    producer = _run_events("run-p", "produce", 0, reads=[], writes=[("x", None)])
    consumer = _run_events("run-c", "consume", 10, reads=["x"], writes=[("y", None)])
    # The consumer's START arrives first, then the producer's events, then its COMPLETE.
    for event in (consumer[0], producer[0], producer[1], consumer[1]):
        _post(client, event)
    assert _used(clean_graph) == {("run-c", "x"): [_key("x", "run-p")]}
    assert _placeholders(clean_graph) == set()
    # And when the consumer has finished before the producer's events arrive at all.
    _wipe(clean_graph)
    for event in (*consumer, *producer):
        _post(client, event)
    assert _used(clean_graph) == {("run-c", "x"): [_key("x", "run-p")]}
    assert _placeholders(clean_graph) == set()
    versions, _, _ = clean_graph.execute_query(
        "MATCH (v:DatasetVersion) RETURN v.key AS key ORDER BY key"
    )
    assert [v["key"] for v in versions] == [_key("x", "run-p"), _key("y", "run-c")]


def _load(client: TestClient, driver: Driver, events: list[dict[str, Any]]) -> str:
    _wipe(driver)
    for event in events:
        _post(client, event)
    return fingerprint(driver, with_audit=False)


@pytest.fixture
def in_file_order(client: TestClient, clean_graph: Driver) -> Iterator[str]:
    """The pipeline loaded in file order, checked, and its fingerprint."""
    events, expected = pipeline()
    reference = _load(client, clean_graph, events)
    assert _used(clean_graph) == {pair: [version] for pair, version in expected.items()}
    assert _placeholders(clean_graph) == {_key("raw.b", "0")}
    declared, _, _ = clean_graph.execute_query(
        "MATCH (j:Job {key: 'spark/step3'}) RETURN j.declared_inputs AS i, j.declared_outputs AS o"
    )
    assert [(r["i"], r["o"]) for r in declared] == [([f"{NS}/d2"], [f"{NS}/d3", f"{NS}/d3.audit"])]
    yield reference


def test_any_arrival_order_gives_the_same_graph(
    client: TestClient, clean_graph: Driver, in_file_order: str
) -> None:
    events, _ = pipeline()
    assert _load(client, clean_graph, events[::-1]) == in_file_order, "reversed"
    for seed in range(5):
        shuffled = random.Random(seed).sample(events, len(events))
        assert _load(client, clean_graph, shuffled) == in_file_order, f"shuffle {seed}"


def test_every_event_sent_twice_gives_the_same_graph(
    client: TestClient, clean_graph: Driver, in_file_order: str
) -> None:
    events, _ = pipeline()
    assert _load(client, clean_graph, [e for e in events for _ in range(2)]) == in_file_order
    twice = events + random.Random(7).sample(events, len(events))
    assert _load(client, clean_graph, twice) == in_file_order


def test_concurrent_senders_give_the_same_graph(
    server_url: str, client: TestClient, clean_graph: Driver, in_file_order: str,
    auth_headers: dict[str, str],
) -> None:  # fmt: skip
    events, _ = pipeline()
    for seed in (11, 12):
        _wipe(clean_graph)
        shuffled = random.Random(seed).sample(events, len(events))
        quarters = [shuffled[i::4] for i in range(4)]

        def send(batch: list[dict[str, Any]]) -> list[int]:
            with httpx.Client(base_url=server_url, headers=auth_headers, timeout=60) as http:
                return [http.post("/api/v1/lineage", json=e).status_code for e in batch]

        with ThreadPoolExecutor(max_workers=4) as pool:
            codes = [c for batch in pool.map(send, quarters) for c in batch]
        assert codes == [201] * len(events)
        assert fingerprint(clean_graph, with_audit=False) == in_file_order, f"senders {seed}"


def _named(event: dict[str, Any], version: str) -> dict[str, Any]:
    """The event with a version facet on each of its inputs."""
    inputs = [
        {**i, "facets": {**i["facets"], "version": {"datasetVersion": version}}}
        for i in event["inputs"]
    ]
    return {**event, "inputs": inputs}


def _all_orders(
    client: TestClient, driver: Driver, events: list[dict[str, Any]]
) -> tuple[str, dict[tuple[str, str], list[str]], set[str]]:
    """Loads the events in every order; one fingerprint for all of them, or a failure."""
    prints: dict[str, list[int]] = {}
    for order in itertools.permutations(range(len(events))):
        prints.setdefault(_load(client, driver, [events[i] for i in order]), list(order))
    assert len(prints) == 1, f"orders with different graphs: {list(prints.values())}"
    return next(iter(prints)), _used(driver), _placeholders(driver)


def test_a_producer_that_fails_after_completing_no_longer_feeds_later_readers(
    client: TestClient, clean_graph: Driver
) -> None:
    start, complete = _run_events("run-p", "produce", 0, reads=[], writes=[("x", None)])
    fail = {**complete, "eventType": "FAIL", "eventTime": _at(7)}
    consumer = _run_events("run-c", "consume", 10, reads=["x"], writes=[])
    _, used, placeholders = _all_orders(client, clean_graph, [start, complete, fail, consumer[0]])
    assert used == {("run-c", "x"): [_key("x", "0")]}
    assert placeholders == {_key("x", "0")}


def test_a_version_nobody_generated_is_read_before_a_placeholder(
    client: TestClient, clean_graph: Driver
) -> None:
    by_name = _named(_run_events("run-a", "audit", 0, reads=["x"], writes=[])[0], "snap")
    implicit = _run_events("run-c", "consume", 10, reads=["x"], writes=[])[0]
    _, used, placeholders = _all_orders(client, clean_graph, [by_name, implicit])
    assert used == {("run-a", "x"): [_key("x", "snap")], ("run-c", "x"): [_key("x", "snap")]}
    assert placeholders == set()


def test_a_version_named_by_a_later_event_of_the_run_supersedes_its_implicit_read(
    client: TestClient, clean_graph: Driver
) -> None:
    start, complete = _run_events("run-c", "consume", 10, reads=["x"], writes=[])
    producer = _run_events("run-p", "produce", 0, reads=[], writes=[("x", "7")])
    events = [start, _named(complete, "7"), producer[1]]
    _, used, placeholders = _all_orders(client, clean_graph, events)
    assert used == {("run-c", "x"): [_key("x", "7")]}
    assert placeholders == set()
    implicit, _, _ = clean_graph.execute_query(
        "MATCH ()-[u:USED]->() WHERE u.implicit RETURN count(u) AS n"
    )
    assert implicit[0]["n"] == 0


def test_a_version_registered_by_name_over_a_placeholder_is_kept(
    client: TestClient, clean_graph: Driver
) -> None:
    # A reader with nothing to resolve stands in the placeholder raw@0; then someone
    # registers a real version "0" of raw, and a producer's version moves the reader away.
    for event in _run_events("run-reader", "reader", 10, reads=["raw"], writes=[]):
        _post(client, event)
    gql(client, f"""mutation {{ registerDatasetVersion(input: {{dataset: "{NS}/raw",
        version: "0", contentHash: "sha256:abc"}}) {{ id }} }}""")  # fmt: skip
    for event in _run_events("run-producer", "producer", 0, reads=[], writes=[("raw", None)]):
        _post(client, event)
    assert _used(clean_graph)[("run-reader", "raw")] == [_key("raw", "run-producer")]
    records, _, _ = clean_graph.execute_query(
        "MATCH (v:Node {uid: $v}) RETURN v.content_hash AS h, v.placeholder AS p",
        v=f"DatasetVersion:{_key('raw', '0')}",
    )
    assert [r.data() for r in records] == [{"h": "sha256:abc", "p": None}]


def test_dataset_and_job_events_in_any_order_give_the_same_graph(
    client: TestClient, clean_graph: Driver
) -> None:
    named = _dataset_event("x", 1, version={"datasetVersion": "snap"})
    first = _job_event("consume", 2, reads=["x"], writes=[])
    second = _job_event("consume", 3, reads=["x"], writes=["y"])
    consumer = _run_events("run-c", "consume", 10, reads=["x"], writes=[])[0]
    _, used, placeholders = _all_orders(client, clean_graph, [named, first, second, consumer])
    assert used == {("run-c", "x"): [_key("x", "snap")]}
    assert placeholders == set()
    declared, _, _ = clean_graph.execute_query(
        "MATCH (j:Job {key: 'spark/consume'}) RETURN j.declared_outputs AS o, j.description AS d"
    )
    assert [(r["o"], r["d"]) for r in declared] == [([f"{NS}/y"], "consume as of 3")]
    # A version a run produced before the reader started outranks the declared one.
    producer = _run_events("run-p", "produce", 0, reads=[], writes=[("x", None)])[1]
    _, used, placeholders = _all_orders(client, clean_graph, [named, producer, consumer])
    assert used == {("run-c", "x"): [_key("x", "run-p")]}
    assert placeholders == set()
