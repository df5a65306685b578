"""Bulk loads from Parquet and Arrow IPC: good rows land, bad rows are rejected with reasons,
and loading again changes nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.settings import Settings
from tests.test_questions import load
from tests.test_round_trips import layered_lineage

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LINEAGE_NEO4J_URI": settings.neo4j_uri}
    return subprocess.run(
        [sys.executable, "-m", "lineage_catalog.cli", *args],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _graph_state(driver: Driver) -> tuple[int, int, str]:
    records, _, _ = driver.execute_query(
        "MATCH (p:Prediction) OPTIONAL MATCH (p)-[r]-() "
        "WITH p, count(r) AS rels ORDER BY p.uid "
        "RETURN count(p) AS n, sum(rels) AS rels, "
        "  reduce(s = '', x IN collect(p.uid + toString(p.time) + coalesce(p.output, '') "
        "                              + p.deployment + p.model_version) "
        "         | s + x) AS fingerprint"
    )
    row = records[0]
    return row["n"], row["rels"], row["fingerprint"]


def test_parquet_predictions_with_bad_rows(
    clean_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    load(settings, layered_lineage(width=1, levels=1))  # deployment prod/m, model version m@1
    good = 2500
    rows = [
        {"key": f"p-{i:05d}", "deployment": "prod/m", "model_version": "m@1",
         "time": T0 + timedelta(seconds=i), "output": json.dumps({"score": i / good})}
        for i in range(good)
    ]  # fmt: skip
    bad = [
        ({"key": None, "deployment": "prod/m", "model_version": "m@1", "time": T0}, "key: missing"),
        ({"key": "bad key", "deployment": "prod/m", "model_version": "m@1", "time": T0},
         "key: "),
        ({"key": "p-x1", "deployment": "prod/nope", "model_version": "m@1", "time": T0},
         "unknown reference: Deployment:prod/nope"),
        ({"key": "p-x2", "deployment": "prod/m", "model_version": "m@9", "time": T0},
         "unknown reference: ModelVersion:m@9"),
        ({"key": "p-x3", "deployment": "prod/m", "model_version": "m@1", "time": None},
         "time: missing"),
    ]  # fmt: skip
    # Bad rows spread over different record batches.
    positions = [3, 1100, 1999, 2001, 2400]
    table_rows = list(rows)
    for position, (row, _) in zip(positions, bad, strict=True):
        table_rows.insert(position, {**row, "output": None})
    path = tmp_path / "predictions.parquet"
    pq.write_table(pa.Table.from_pylist(table_rows), path)

    before = _graph_state(clean_graph)
    first = _cli(settings, "load", str(path), "--kind", "predictions", "--batch-size", "1000")
    assert first.returncode == 1, first.stderr
    assert f"loaded {good:,} of {len(table_rows):,} rows" in first.stdout
    assert "rows/s" not in first.stderr  # no progress bar: stderr is not a terminal
    rejects = [json.loads(line) for line in (tmp_path / "predictions.parquet.rejects.jsonl")
               .read_text().splitlines()]  # fmt: skip
    # Inserted in ascending order, each bad row ends at its position: row = position + 1.
    assert [r["row"] for r in rejects] == [p + 1 for p in positions]
    for reject, (_, reason) in zip(rejects, bad, strict=True):
        assert reject["reason"].startswith(reason), reject
    state = _graph_state(clean_graph)
    # MADE_BY is two properties of the prediction (rules.PROPERTY_LINKS): no relationship.
    assert state[:2] == (before[0] + good, before[1])

    records, _, _ = clean_graph.execute_query(
        "MATCH (p:Prediction {key: 'p-00007'}) "
        "MATCH (mv:ModelVersion {key: p.model_version}) "
        "RETURN p.time AS time, p.output AS output, mv.key AS mv"
    )
    (stored,) = records
    assert stored["time"].to_native() == T0 + timedelta(seconds=7)
    assert (stored["output"], stored["mv"]) == (json.dumps({"score": 7 / good}), "m@1")

    second = _cli(settings, "load", str(path), "--kind", "predictions")
    assert second.returncode == 1
    assert _graph_state(clean_graph) == state


def test_arrow_ipc_over_http_and_other_kinds(
    client: TestClient, clean_graph: Driver, settings: Settings
) -> None:
    load(settings, layered_lineage(width=1, levels=1))

    def post(kind: str, rows: list[dict[str, object]]) -> tuple[int, dict[str, object]]:
        sink = io.BytesIO()
        table = pa.Table.from_pylist(rows)
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        response = client.post(
            f"/api/v1/load/{kind}", content=sink.getvalue(), params={"reason": "test load"}
        )
        return response.status_code, response.json()

    status, body = post("features", [
        {"key": "f.one", "name": "One", "dtype": "float", "tags": ["a"]},
        {"key": "f two", "name": "bad key", "dtype": "float", "tags": []},
    ])  # fmt: skip
    assert status == 207
    assert body["loaded"] == 1 and body["rejected"] == 1
    assert body["rejects"][0]["row"] == 2

    # Times as ISO strings (not an Arrow timestamp) take the row-by-row path.
    status, body = post("predictions", [
        {"key": "s-1", "deployment": "prod/m", "model_version": "m@1",
         "time": "2026-03-01T12:30:00.250+02:00"},
        {"key": "s-2", "deployment": "prod/m", "model_version": "m@1", "time": "yesterday"},
    ])  # fmt: skip
    assert (status, body["loaded"]) == (207, 1)
    assert body["rejects"][0]["reason"].startswith("time: not an ISO-8601 time")
    records, _, _ = clean_graph.execute_query(
        "MATCH (p:Prediction {key: 's-1'}) RETURN p.time AS t"
    )
    assert records[0]["t"].to_native() == datetime(2026, 3, 1, 10, 30, 0, 250000, tzinfo=UTC)

    status, body = post("dataset_versions", [
        {"dataset": "d0-0", "version": "v2", "content_hash": "sha256:1", "row_count": 3},
    ])  # fmt: skip
    assert (status, body["loaded"]) == (200, 1)
    status, body = post("runs", [
        {"run_id": "r-1", "job": "no-such-job", "run_kind": "training"},
    ])  # fmt: skip
    assert status == 207 and "Job:no-such-job" in body["rejects"][0]["reason"]
    status, body = post("edges", [
        {"type": "CLASSIFIED_AS", "source": "Feature:f.one", "target": "Dataset:d0-0"},
        {"type": "NOT_A_TYPE", "source": "Feature:f.one", "target": "Dataset:d0-0"},
    ])  # fmt: skip
    # A feature is classified as a Classification, never as a dataset (domain/rules.py).
    assert (status, body["loaded"]) == (207, 0)
    assert body["rejects"][0]["reason"] == (
        "target: a CLASSIFIED_AS link from a Feature goes to one of Classification, not a Dataset"
    )

    records, _, _ = clean_graph.execute_query(
        "MATCH (f:Feature {uid: 'Feature:f.one'}) WHERE NOT (f)-[:CLASSIFIED_AS]->() "
        "MATCH (v:DatasetVersion {uid: 'DatasetVersion:d0-0@v2'})-[:VERSION_OF]->(d) "
        "RETURN f.tags AS tags, v.row_count AS rows"
    )
    assert [r.data() for r in records] == [{"tags": ["a"], "rows": 3}]

    assert client.post("/api/v1/load/features", content=b"not arrow").status_code == 400


def test_a_killed_load_runs_again_to_completion(
    clean_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    load(settings, layered_lineage(width=1, levels=1))
    total = 60_000
    rows = {
        "key": [f"k-{i:06d}" for i in range(total)],
        "deployment": ["prod/m"] * total,
        "model_version": ["m@1"] * total,
        "time": pa.array([T0 + timedelta(seconds=i) for i in range(total)],
                         type=pa.timestamp("us", tz="UTC")),
    }  # fmt: skip
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table(rows), path)
    env = {**os.environ, "LINEAGE_NEO4J_URI": settings.neo4j_uri}
    command = [sys.executable, "-m", "lineage_catalog.cli", "load", str(path),
               "--kind", "predictions", "--batch-size", "500"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        # Kill it once some batches have landed, long before the end.
        count = 0
        for _ in range(600):
            records, _, _ = clean_graph.execute_query(
                "MATCH (p:Prediction) WHERE p.key STARTS WITH 'k-' RETURN count(p) AS n"
            )
            count = records[0]["n"]
            if count >= 1000 or process.poll() is not None:
                break
            time.sleep(0.05)
        process.kill()
    finally:
        process.wait()
    assert 0 < count < total, "the load was killed part-way"

    again = _cli(settings, "load", str(path), "--kind", "predictions")
    assert again.returncode == 0, again.stderr
    records, _, _ = clean_graph.execute_query(
        "MATCH (p:Prediction) WHERE p.key STARTS WITH 'k-' "
        "RETURN count(p) AS n, count(p.deployment) AS rels"
    )
    assert (records[0]["n"], records[0]["rels"]) == (total, total)
