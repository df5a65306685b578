"""The Python client (lineage_catalog_client) against the real app served by uvicorn on a real
port, on the real Neo4j: every write, runs, evaluations, bulk loads, errors and retries."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from neo4j import Driver

from lineage_catalog.localneo4j import free_port
from lineage_catalog.settings import Settings
from lineage_catalog_client import (
    BadUserInputError,
    CatalogClient,
    CatalogError,
    CatalogUnavailable,
    FailedPreconditionError,
    ForbiddenError,
    InvalidQueryError,
    Kpi,
    LoadProgress,
    NotFoundError,
    UnauthenticatedError,
)
from tests.live_server import serve, wait_healthy

__all__ = ["serve", "wait_healthy"]  # tests/test_write_rules.py takes them from here

RUN = """
query($key: String!) {
  run(key: $key) {
    runKind status startedAt endedAt parameters environment
    error { message programmingLanguage stackTrace }
    job { key } used { id } generated { id } codeCommit { sha }
    triggeredBy { ... on Person { key } }
  }
}
"""
MUTATIONS = "{ __schema { mutationType { fields { name } } } }"
SENT_MUTATION = re.compile(r"^mutation\([^)]*\) \{ (\w+)\(")


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

    def mutations(self) -> set[str]:
        """The names of the mutations sent."""
        sent = set()
        for request in self.requests:
            if request.url.path == "/graphql":
                found = SENT_MUTATION.match(json.loads(request.content)["query"])
                sent |= {found.group(1)} if found else set()
        return sent


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


def person_client(
    catalog: CatalogClient,
    email: str,
    roles: list[str],
    transport: CountingTransport | None = None,
) -> CatalogClient:
    """A client with the token of another person, who has `roles`."""
    catalog.register_person(email)
    catalog.create_account(f"Person:{email}", roles=roles, reason="test account")  # type: ignore[list-item]
    issued = catalog.issue_token(f"Person:{email}", name="tests")
    return CatalogClient(catalog.url, token=issued.token, transport=transport)


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
        "ModelVersion:churn@1",
        key="churn-1-holdout",
        dataset_versions=["DatasetVersion:loans-clean@v1"],
        metrics={"auc": 0.88},
        run_id="eval-1",
        job="eval.churn",
    )
    assert evaluation == "Evaluation:churn-1-holdout"

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
        "usedBy { key runKind job { key } generated { id } } } }"
    )["modelVersion"]
    assert trained == {
        "stage": "registered",
        "metrics": {"auc": 0.9},
        "generatedBy": {"key": "train-1", "status": "completed", "runKind": "training"},
        "usedBy": [
            {
                "key": "eval-1",
                "runKind": "evaluation",
                "job": {"key": "eval.churn"},
                "generated": [{"id": "Evaluation:churn-1-holdout"}],
            }
        ],
    }
    stored = catalog.execute('{ evaluation(key: "churn-1-holdout") { metrics } }')
    assert stored == {"evaluation": {"metrics": {"auc": 0.88}}}
    sent = transport.requests[0].headers
    assert sent["Authorization"] == f"Bearer {admin_token}"
    assert sent["User-Agent"].startswith("lineage-catalog-client/")
    assert len({r.headers["X-Request-ID"] for r in transport.requests}) == len(transport.requests)


def test_every_write_of_the_api_has_a_typed_method_that_works(
    catalog: CatalogClient, transport: CountingTransport
) -> None:
    now = datetime.now(UTC)
    why = "client test"
    assert catalog.register_team("risk", name="Risk ML") == "Team:risk"
    ada = catalog.register_person("ada@example.com", name="Ada", teams=["risk"])
    assert catalog.register_service_account("airflow") == "ServiceAccount:airflow"
    assert catalog.register_classification("CONFIDENTIAL") == "Classification:CONFIDENTIAL"
    catalog.register_dataset("scores-raw")
    raw = catalog.register_dataset_version(
        "scores-raw", "1", content_hash="sha256:" + "ab" * 32,
        schema=[{"name": "score", "type": "float"}],
    )  # fmt: skip
    assert catalog.register_feature("score.mean", dtype="float") == "Feature:score.mean"
    catalog.register_code_commit("acme/scores", "f00d", author="ada@example.com")
    catalog.register_model("scorer")
    versions = [catalog.register_model_version("scorer", v) for v in ("1", "2", "3")]
    assert catalog.register_deployment("api", "prod") == "Deployment:prod/api"
    catalog.register_deployment("api", "staging")
    catalog.register_job("train.scorer")
    assert catalog.record_run(
        "train-scorer-1", "train.scorer", run_kind="TRAINING", started_at=now - timedelta(hours=1),
        ended_at=now, code_commit="acme/scores@f00d", triggered_by=ada, used=[raw],
        generated=versions,
    ) == "Run:train-scorer-1"  # fmt: skip

    assert catalog.set_owner(ada, "Dataset:scores-raw", role="STEWARD", reason=why) == (
        "Dataset:scores-raw"
    )
    assert catalog.classify(raw, ["CONFIDENTIAL"], reason=why) == raw
    assert catalog.classify_column(raw, "score", ["CONFIDENTIAL"], reason=why) == raw
    restricted = catalog.set_classification_restricted("CONFIDENTIAL", restricted=True, reason=why)
    assert restricted.restricted
    kpis = catalog.set_model_kpis("scorer", [Kpi("auc", 0.8)], reason=why)
    assert kpis == [Kpi("auc", 0.8, "AT_LEAST")]

    bobs = CountingTransport()
    bob = person_client(catalog, "bob@example.com", ["APPROVER", "READER"], bobs)
    with bob:
        for version in ("scorer@1", "scorer@2", "scorer@3"):
            catalog.log_evaluation(version, metrics={"auc": 0.9}, dataset_versions=[raw])
            assert catalog.transition_stage(version, "STAGING", reason=why) == "staging"
        pending = catalog.request_promotion("scorer@2", reason=why)
        rejected = bob.reject_promotion(pending.key, reason="not now")
        assert (rejected.status, rejected.decided_by) == ("rejected", "Person:bob@example.com")
        for version in ("scorer@1", "scorer@3"):
            approval = catalog.request_promotion(version, reason=why)
            assert bob.approve_promotion(approval.key, reason="KPIs met").status == "approved"
            catalog.record_serving(
                "prod/api", version, role="CHALLENGER", traffic_share=0.1,
                valid_from=now - timedelta(days=2), reason="warm-up",
            )  # fmt: skip
            assert bob.promote_to_champion("prod/api", version, reason=why) == "Deployment:prod/api"
        assert bob.rollback("prod/api", reason="scorer@3 misbehaves") == "Deployment:prod/api"
    champion = catalog.execute(
        '{ deployment(key: "prod/api") { serving { modelVersion { key } role } } }'
    )["deployment"]["serving"]
    assert {"modelVersion": {"key": "scorer@1"}, "role": "champion"} in champion

    catalog.deploy_model_version(
        "staging/api", "scorer@2", role="SHADOW", traffic_share=0.5, reason=why
    )
    prediction = catalog.record_prediction(
        "p-1", deployment="prod/api", model_version="scorer@1", time=now, output="0.7"
    )
    assert prediction == "Prediction:p-1"
    card = catalog.update_model_card(
        "scorer@1", intended_use="Scoring", known_risks=["drift"], reason=why
    )
    assert (card.intended_use, card.known_risks) == ("Scoring", ["drift"])

    issued = catalog.issue_token(
        "Person:bob@example.com", name="second", expires_at=now + timedelta(days=1)
    )
    access = catalog.set_access("Person:bob@example.com", roles=["READER"], reason=why)
    assert access.roles == ["reader"], access
    assert not catalog.disable_account("Person:bob@example.com", reason=why).active
    assert catalog.enable_account("Person:bob@example.com", reason=why).active
    assert catalog.revoke_token(issued.token_id, reason=why) == "Person:bob@example.com"

    # Monitoring: a data-quality monitor whose breach opens an incident, a profile as a
    # drift reference, an incident opened by hand and moved on.
    assert (
        catalog.register_monitor(
            "scores-nulls", raw, type="DATA_QUALITY", metric="null_rate", threshold=0.1
        )
        == "scores-nulls"
    )
    breach = catalog.record_observation("scores-nulls", 0.3, observed_at=now)
    assert len(breach.observations) == 1
    assert [(i.status, i.breaches) for i in breach.incidents] == [("OPEN", 1)]
    assert catalog.record_observation("scores-nulls", 0.3, observed_at=now).observations == []
    profile = catalog.record_profile(
        "scores-raw-1", raw, [{"name": "score", "count": 10, "binEdges": [0.0, 0.5, 1.0],
                               "binCounts": [4, 6]}],
    )  # fmt: skip
    assert profile.observations == []
    catalog.register_monitor("scores-psi", raw, type="DATA_DRIFT", metric="psi", threshold=0.2,
                             column="score", reference=raw)  # fmt: skip
    manual = catalog.open_incident([raw], title="late file", reason=why, severity="HIGH")
    assert (manual.status, manual.severity) == ("OPEN", "HIGH")
    moved = catalog.transition_incident(manual.key, "ACKNOWLEDGED", reason=why)
    assert moved.status == "ACKNOWLEDGED"

    fields = catalog.execute(MUTATIONS)["__schema"]["mutationType"]["fields"]
    assert {f["name"] for f in fields} - transport.mutations() - bobs.mutations() == set()


def test_a_block_that_raises_marks_the_run_failed_with_why_and_re_raises(
    catalog: CatalogClient,
) -> None:
    catalog.register_dataset("loans-raw")
    raw = catalog.register_dataset_version("loans-raw", "v1")

    with pytest.raises(ZeroDivisionError), catalog.run("etl.clean", run_id="clean-2") as run:
        run.used(raw)
        _ = 1 / 0

    failed = catalog.execute(RUN, {"key": "clean-2"})["run"]
    assert failed["status"] == "failed"
    assert failed["endedAt"] is not None
    assert failed["used"] == [{"id": raw}]
    assert failed["environment"] == {}
    assert failed["error"]["message"] == "ZeroDivisionError: division by zero"
    assert failed["error"]["programmingLanguage"] == "python"
    assert "1 / 0" in failed["error"]["stackTrace"]


def test_a_run_is_running_while_its_block_runs(catalog: CatalogClient) -> None:
    with catalog.run("etl.clean", run_id="clean-3") as run:
        during = catalog.execute(RUN, {"key": run.run_id})["run"]
    assert during["status"] == "running"
    assert during["endedAt"] is None
    assert catalog.execute(RUN, {"key": "clean-3"})["run"]["status"] == "completed"


def test_a_refused_final_record_marks_the_run_failed_with_the_servers_reason(
    catalog: CatalogClient, transport: CountingTransport
) -> None:
    catalog.register_dataset("loans-raw")
    catalog.register_dataset_version("loans-raw", "v1")
    before = len(transport.requests)

    with (
        pytest.raises(BadUserInputError) as raised,
        catalog.run("etl.clean", run_id="clean-4", environment={"python": "3.11"}) as run,
    ):
        run.used("DatasetVersion:loans-raw@v1", "DatasetVersion:loans-raw@v9")

    error = raised.value
    assert error.code == "BAD_USER_INPUT"
    assert error.field == "input.used.1"
    assert "loans-raw@v9" in error.message
    assert any("recorded as FAILED" in note for note in error.__notes__)
    # registerJob, recordRun RUNNING, the refused final record (not retried), recordRun FAILED.
    assert len(transport.requests) - before == 4
    assert error.request_id == transport.requests[-2].headers["X-Request-ID"]

    failed = catalog.execute(RUN, {"key": "clean-4"})["run"]
    assert failed["status"] == "failed"
    assert failed["endedAt"] is not None
    assert failed["used"] == []
    assert failed["environment"] == {"python": "3.11"}
    assert failed["error"] == {
        "message": f"the catalog refused the run's final record: {error}",
        "programmingLanguage": None,
        "stackTrace": None,
    }

    with pytest.raises(BadUserInputError) as raised_again:
        catalog.register_dataset_version("nope", "v1")
    assert raised_again.value.field == "input.dataset"


def test_a_failing_block_whose_record_is_refused_still_ends_the_run(
    catalog: CatalogClient,
) -> None:
    with pytest.raises(KeyError) as raised, catalog.run("etl.clean", run_id="clean-5") as run:
        run.generated("DatasetVersion:missing@v1")
        raise KeyError("boom")
    assert any("BAD_USER_INPUT" in note for note in raised.value.__notes__)
    failed = catalog.execute(RUN, {"key": "clean-5"})["run"]
    assert failed["status"] == "failed"
    assert "missing@v1" in failed["error"]["message"]


def test_errors_are_typed_by_the_servers_code(catalog: CatalogClient, server_url: str) -> None:
    with CatalogClient(server_url, token="lcat_not-a-token", retries=0) as stranger:
        with pytest.raises(UnauthenticatedError) as unauthenticated:
            stranger.register_dataset("loans-raw")
        assert unauthenticated.value.code == "UNAUTHENTICATED"
    with person_client(catalog, "rita@example.com", ["READER"]) as reader:
        with pytest.raises(ForbiddenError):
            reader.register_dataset("loans-raw")
        with pytest.raises(ForbiddenError):
            reader.load("features", pa.table({"key": ["f1"]}))
    with pytest.raises(NotFoundError):
        catalog.log_evaluation("nope@1", metrics={"auc": 0.5})
    catalog.register_model("m")
    catalog.register_model_version("m", "1")
    catalog.register_deployment("api", "prod")
    with pytest.raises(FailedPreconditionError):
        catalog.promote_to_champion("prod/api", "m@1", reason="not in production")
    with pytest.raises(InvalidQueryError):
        catalog.execute("{ nosuchfield }")
    with pytest.raises(BadUserInputError) as bad:
        catalog.register_dataset("bad key")
    assert (bad.value.code, bad.value.field) == ("BAD_USER_INPUT", "input.key")
    assert isinstance(bad.value, CatalogError)


def test_the_url_and_token_come_from_the_environment(
    catalog: CatalogClient, server_url: str, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINEAGE_CATALOG_URL", server_url)
    monkeypatch.setenv("LINEAGE_CATALOG_TOKEN", admin_token)
    with CatalogClient() as configured:
        assert configured.register_dataset("loans-raw") == "Dataset:loans-raw"
    anonymous = CatalogClient(server_url, token="", retries=0)
    with anonymous, pytest.raises(UnauthenticatedError):
        anonymous.register_dataset("loans-raw")


def _predictions(count: int, *, bad: set[int]) -> pa.Table:
    at = datetime(2024, 6, 1, tzinfo=UTC)
    times = pa.array([at + timedelta(minutes=i) for i in range(count)], pa.timestamp("us", "UTC"))
    return pa.table({
        "key": [f"p-{i}" for i in range(count)],
        "deployment": ["prod/api"] * count,
        "model_version": ["scorer@9" if i in bad else "scorer@1" for i in range(count)],
        "time": times,
    })  # fmt: skip


def test_a_bulk_load_goes_in_batches_with_progress_and_numbers_rejects_in_the_whole_table(
    catalog: CatalogClient, transport: CountingTransport, tmp_path: Path
) -> None:
    catalog.register_model("scorer")
    catalog.register_model_version("scorer", "1")
    catalog.register_deployment("api", "prod")
    table = _predictions(25, bad={3, 17})
    seen: list[LoadProgress] = []
    before = len(transport.requests)

    result = catalog.load("predictions", table, batch_rows=10, progress=seen.append)

    assert len(transport.requests) - before == 3
    assert (result.rows, result.loaded, result.rejected, result.batches) == (25, 23, 2, 3)
    assert [(r.row, r.field, r.code) for r in result.rejects] == [
        (4, "model_version", "BAD_USER_INPUT"),
        (18, "model_version", "BAD_USER_INPUT"),
    ]
    assert [(p.rows_sent, p.rows_total, p.rejected) for p in seen] == [
        (10, 25, 1), (20, 25, 2), (25, 25, 2)
    ]  # fmt: skip
    count = catalog.execute("{ nodes(kind: PREDICTION, first: 100) { totalCount } }")
    assert count["nodes"]["totalCount"] == 23

    parquet, arrow = tmp_path / "p.parquet", tmp_path / "p.arrow"
    clean = _predictions(25, bad=set())
    pq.write_table(clean, parquet, row_group_size=7)
    with pa.OSFile(str(arrow), "wb") as sink, pa.ipc.new_file(sink, clean.schema) as writer:
        writer.write_table(clean, max_chunksize=4)
    for path in (parquet, arrow):
        again = catalog.load("predictions", path, batch_rows=12, reason="backfill")
        assert (again.rows, again.loaded, again.rejected, again.batches) == (25, 25, 0, 3)
    count = catalog.execute("{ nodes(kind: PREDICTION, first: 100) { totalCount } }")
    assert count["nodes"]["totalCount"] == 25

    empty = catalog.load("features", pa.table({"key": pa.array([], pa.string())}))
    assert (empty.rows, empty.batches) == (0, 1)


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
