"""The Python SDK against the real app served by uvicorn on a real port, on the real Neo4j."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from neo4j import Driver

from lineage_catalog.app import create_app
from lineage_catalog.localneo4j import free_port
from lineage_catalog.sdk import CatalogClient, CatalogError, CatalogUnavailable
from lineage_catalog.settings import Settings

RUN = """
query($key: String!) {
  run(key: $key) {
    runKind status startedAt endedAt parameters environment
    job { key } used { id } generated { id } codeCommit { sha }
    triggeredBy { ... on Person { key } }
  }
}
"""


class CountingTransport(httpx.BaseTransport):
    """The real HTTP transport, counting the requests that go through it."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@contextmanager
def serve(settings: Settings, port: int, *, delay: float = 0.0) -> Iterator[str]:
    """The app on 127.0.0.1:port in a background thread, started after `delay` seconds."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )

    def run() -> None:
        time.sleep(delay)
        server.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_healthy(url: str, *, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} did not become healthy")


@pytest.fixture(scope="module")
def server_url(settings: Settings, driver: Driver) -> Iterator[str]:
    with serve(settings, free_port()) as url:
        wait_healthy(url)
        yield url


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


@pytest.fixture
def catalog(
    server_url: str, clean_graph: Driver, transport: CountingTransport, admin_token: str
) -> Iterator[CatalogClient]:
    with CatalogClient(server_url, token=admin_token, transport=transport) as client:
        yield client


def test_a_pipeline_reports_its_lineage_in_a_few_lines(
    catalog: CatalogClient, transport: CountingTransport, admin_token: str
) -> None:
    catalog.register_person("ada@example.com", name="Ada")
    commit = catalog.register_code_commit("acme/loans", "abc123", author="ada@example.com")
    catalog.register_dataset("loans-raw", tags=["raw"], platform="s3")
    raw = catalog.register_dataset_version(
        "loans-raw", "v1", content_hash="sha256:aa", schema=[{"name": "amount", "type": "double"}]
    )
    catalog.register_dataset("loans-clean")
    assert commit == "CodeCommit:acme/loans@abc123"
    assert raw == "DatasetVersion:loans-raw@v1"

    with catalog.run(
        "etl.clean",
        run_id="clean-1",
        code_commit="acme/loans@abc123",
        triggered_by="Person:ada@example.com",
        parameters={"threshold": 0.5},
        environment={"python": "3.11"},
    ) as run:
        run.used(raw)
        run.generated(catalog.register_dataset_version("loans-clean", "v1", row_count=9))
        run.set_parameters(dropped=1)

    catalog.register_model("churn", name="Churn")
    with catalog.run("train.churn", run_id="train-1", run_kind="TRAINING") as training:
        training.used("DatasetVersion:loans-clean@v1")
        training.generated(catalog.register_model_version("churn", "1", metrics={"auc": 0.9}))
    evaluation = catalog.log_evaluation(
        "eval.churn",
        "ModelVersion:churn@1",
        dataset_version="DatasetVersion:loans-clean@v1",
        metrics={"auc": 0.88},
        run_id="eval-1",
    )
    assert evaluation == "Run:eval-1"

    clean = catalog.execute(RUN, {"key": "clean-1"})["run"]
    assert clean["status"] == "completed"
    assert clean["startedAt"] <= clean["endedAt"]
    assert clean["runKind"] == "transformation"
    assert clean["job"] == {"key": "etl.clean"}
    assert clean["used"] == [{"id": "DatasetVersion:loans-raw@v1"}]
    assert clean["generated"] == [{"id": "DatasetVersion:loans-clean@v1"}]
    assert clean["parameters"] == {"threshold": 0.5, "dropped": 1}
    assert clean["environment"] == {"python": "3.11"}
    assert clean["codeCommit"] == {"sha": "abc123"}
    assert clean["triggeredBy"] == {"key": "ada@example.com"}

    trained = catalog.execute(
        '{ modelVersion(key: "churn@1") { stage metrics generatedBy { key status runKind } '
        "usedBy { key runKind parameters } } }"
    )["modelVersion"]
    assert trained == {
        "stage": "registered",
        "metrics": {"auc": 0.9},
        "generatedBy": {"key": "train-1", "status": "completed", "runKind": "training"},
        "usedBy": [
            {"key": "eval-1", "runKind": "evaluation", "parameters": {"metrics": {"auc": 0.88}}}
        ],
    }
    sent = transport.requests[0].headers
    assert sent["Authorization"] == f"Bearer {admin_token}"
    assert len({r.headers["X-Request-ID"] for r in transport.requests}) == len(transport.requests)


def test_a_block_that_raises_marks_the_run_failed_and_re_raises(catalog: CatalogClient) -> None:
    catalog.register_dataset("loans-raw")
    raw = catalog.register_dataset_version("loans-raw", "v1")

    with pytest.raises(ZeroDivisionError), catalog.run("etl.clean", run_id="clean-2") as run:
        run.used(raw)
        _ = 1 / 0

    failed = catalog.execute(RUN, {"key": "clean-2"})["run"]
    assert failed["status"] == "failed"
    assert failed["endedAt"] is not None
    assert failed["used"] == [{"id": raw}]


def test_a_run_is_running_while_its_block_runs(catalog: CatalogClient) -> None:
    with catalog.run("etl.clean", run_id="clean-3") as run:
        during = catalog.execute(RUN, {"key": run.run_id})["run"]
    assert during["status"] == "running"
    assert during["endedAt"] is None
    assert catalog.execute(RUN, {"key": "clean-3"})["run"]["status"] == "completed"


def test_an_unknown_reference_is_bad_user_input_with_the_field_and_not_retried(
    catalog: CatalogClient, transport: CountingTransport
) -> None:
    catalog.register_dataset("loans-raw")
    catalog.register_dataset_version("loans-raw", "v1")
    before = len(transport.requests)

    with pytest.raises(CatalogError) as raised, catalog.run("etl.clean", run_id="clean-4") as run:
        run.used("DatasetVersion:loans-raw@v1", "DatasetVersion:loans-raw@v9")

    error = raised.value
    assert not isinstance(error, CatalogUnavailable)
    assert error.code == "BAD_USER_INPUT"
    assert error.field == "input.used.1"
    assert "loans-raw@v9" in error.message
    assert error.request_id == transport.requests[-1].headers["X-Request-ID"]
    # registerJob, recordRun RUNNING, recordRun COMPLETED refused once: no retry.
    assert len(transport.requests) - before == 3

    with pytest.raises(CatalogError) as raised:
        catalog.register_dataset_version("nope", "v1")
    assert (raised.value.code, raised.value.field) == ("BAD_USER_INPUT", "input.dataset")
    assert len(transport.requests) - before == 4


def test_a_failed_run_that_cannot_be_recorded_keeps_the_pipeline_error(
    catalog: CatalogClient,
) -> None:
    with pytest.raises(KeyError) as raised, catalog.run("etl.clean", run_id="clean-5") as run:
        run.generated("DatasetVersion:missing@v1")
        raise KeyError("boom")
    assert any("BAD_USER_INPUT" in note for note in raised.value.__notes__)


def test_calls_retry_until_a_briefly_unavailable_server_answers(
    settings: Settings, clean_graph: Driver, admin_token: str
) -> None:
    port = free_port()
    transport = CountingTransport()
    client = CatalogClient(
        f"http://127.0.0.1:{port}",
        token=admin_token,
        retries=8,
        backoff=0.1,
        timeout=5.0,
        transport=transport,
    )
    with client, serve(settings, port, delay=0.5):
        assert client.register_dataset("loans-raw") == "Dataset:loans-raw"
    assert len(transport.requests) > 1
    # Every attempt of one call carries the same request id.
    assert len({r.headers["X-Request-ID"] for r in transport.requests}) == 1


def test_a_server_that_never_comes_raises_unavailable_after_the_retries() -> None:
    transport = CountingTransport()
    client = CatalogClient(
        f"http://127.0.0.1:{free_port()}", retries=3, backoff=0.01, transport=transport
    )
    with client, pytest.raises(CatalogUnavailable) as raised:
        client.register_dataset("loans-raw")
    assert raised.value.code == "UNAVAILABLE"
    assert "4 attempts" in raised.value.message
    assert len(transport.requests) == 4


def test_a_catalog_without_its_database_is_retried_then_unavailable() -> None:
    no_database = Settings(
        neo4j_uri=f"bolt://127.0.0.1:{free_port()}",
        neo4j_retry_time_s=0.0,
        neo4j_connection_timeout_s=1.0,
        migrate_on_start=False,
    )
    transport = CountingTransport()
    with serve(no_database, free_port()) as url:
        wait_healthy(url)
        # A token, so the server must reach the database to check it.
        client = CatalogClient(
            url, token="lcat_unchecked", retries=2, backoff=0.01, transport=transport
        )
        with client, pytest.raises(CatalogUnavailable) as raised:
            client.register_dataset("loans-raw")
    assert raised.value.code == "UNAVAILABLE"
    assert len(transport.requests) == 3
