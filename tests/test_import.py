"""`lineage import`: a new database built offline by Neo4j's import tool holds the same graph,
and answers the same GraphQL, as the same files loaded online; a bad row rejects the import
with its row number and reason, as the online loader rejects it, and leaves no database."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver, GraphDatabase

from lineage_catalog import localneo4j
from lineage_catalog.app import create_app
from lineage_catalog.demo import GeneratedCatalog, generate
from lineage_catalog.domain.model import Kind, NodeRecord, Rel
from lineage_catalog.settings import Settings
from tests.fingerprint import graph_rows
from tests.graphql_client import gql
from tests.test_questions import TRACE, load
from tests.test_round_trips import layered_lineage

DOC = Path(__file__).resolve().parents[1] / "docs" / "bulk-load.md"
REASON = "first backfill"
ACTOR = "ServiceAccount:import-test"
T0 = datetime(2026, 1, 1, tzinfo=UTC)

# Written by the files; what the base (the catalog before the import) does not hold.
_FILE_KINDS = {Kind.PREDICTION, Kind.FEATURE, Kind.DATASET_VERSION, Kind.RUN}
# Written with their node from its columns, or kept in the base.
_NOT_IN_EDGES = {Rel.VERSION_OF, Rel.RUN_OF, Rel.EXECUTED, Rel.SERVED, Rel.MEMBER_OF,
                 Rel.AUTHORED}  # fmt: skip


def _cli(settings: Settings, *args: str, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    full_env = {**os.environ, "LINEAGE_NEO4J_URI": settings.neo4j_uri, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "lineage_catalog.cli", "--actor", ACTOR, *args], cwd=cwd,
        env=full_env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def split_catalog(
    catalog: GeneratedCatalog, folder: Path
) -> tuple[GeneratedCatalog, dict[str, Path]]:
    """The generated catalog as a base (what GraphQL would have registered: people, datasets,
    jobs, models, deployments, their serving) and bulk files of the rest, by kind."""
    nodes = {n.uid: n for n in catalog.nodes}
    commit_of = {e.source: e.target.split(":", 1)[1] for e in catalog.edges
                 if e.rel is Rel.EXECUTED}  # fmt: skip
    by_kind: dict[Kind, list[NodeRecord]] = {}
    for n in catalog.nodes:
        by_kind.setdefault(n.kind, []).append(n)
    files = {
        "features": [{"key": n.key, "name": n.props.get("name"),
                      "description": n.props.get("description"), "dtype": n.props.get("dtype"),
                      "tags": n.props.get("tags")} for n in by_kind[Kind.FEATURE]],
        "dataset_versions": [{"dataset": n.props["dataset"], "version": n.props["version"],
                              "content_hash": n.props.get("content_hash"),
                              "location": n.props.get("location"),
                              "row_count": n.props.get("row_count"),
                              "schema": n.props.get("schema"),
                              "created_at": n.props.get("created_at")}
                             for n in by_kind[Kind.DATASET_VERSION]],
        "runs": [{"run_id": n.key, "job": n.props["job"], "run_kind": n.props["run_kind"],
                  "status": n.props["status"], "started_at": n.props["started_at"],
                  "ended_at": n.props["ended_at"],
                  "parameters": json.dumps(n.props["parameters"]),
                  "environment": json.dumps(n.props["environment"]),
                  "code_commit": commit_of.get(n.uid)} for n in by_kind[Kind.RUN]],
        "edges": [{"type": e.rel.value, "source": e.source, "target": e.target,
                   "valid_from": e.props.get("valid_from"), "valid_to": e.props.get("valid_to"),
                   "role": e.props.get("role")}
                  for e in catalog.edges if e.rel not in _NOT_IN_EDGES],
        "predictions": [{"key": n.key, "deployment": n.props["deployment"],
                         "model_version": n.props["model_version"], "time": n.props["time"],
                         "output": n.props["output"]} for n in by_kind[Kind.PREDICTION]],
    }  # fmt: skip
    paths = {kind: _write(folder / f"{kind}.parquet", rows) for kind, rows in files.items()}
    base_edges = [
        e for e in catalog.edges
        if e.rel in _NOT_IN_EDGES and e.rel not in (Rel.RUN_OF, Rel.EXECUTED)
        and nodes[e.source].kind not in _FILE_KINDS
    ]  # fmt: skip
    base = GeneratedCatalog([n for n in catalog.nodes if n.kind not in _FILE_KINDS], base_edges)
    return base, paths


def _doc_commands() -> list[list[str]]:
    """The shell lines of docs/bulk-load.md's offline import example, `\\` continuations joined."""
    section = DOC.read_text().split("## Offline import", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/bulk-load.md has no bash example of lineage import"
    text = block.group(1).replace("\\\n", " ")
    return [shlex.split(line.split("  #")[0]) for line in text.splitlines() if line.strip()]


def _run_doc_line(settings: Settings, line: list[str], *, cwd: Path,
                  env: dict[str, str]) -> subprocess.CompletedProcess[str]:  # fmt: skip
    variable = re.compile(r"^[A-Z][A-Z0-9_]*=")
    assignments = dict(word.split("=", 1) for word in line if variable.match(word))
    words = [w for w in line if not variable.match(w)]
    assert words[0] == "lineage", line
    return _cli(settings, *words[1:], cwd=cwd, env={**env, **assignments})


@pytest.fixture
def imported_client(admin_token: str) -> Iterator[Any]:
    """Opens the app on a database a test serves; closed with it."""
    opened: list[TestClient] = []

    def open_app(uri: str) -> TestClient:
        settings = Settings(neo4j_uri=uri, local_neo4j_dir=str(Path(".local/test-unused")))
        client = TestClient(create_app(settings),
                            headers={"Authorization": f"Bearer {admin_token}"})  # fmt: skip
        client.__enter__()
        opened.append(client)
        return client

    yield open_app
    for client in opened:
        client.__exit__(None, None, None)


IMPACT = """query($dv: String!) { impact(datasetVersion: $dv) {
  runs { id } datasetVersions { id } features { id } modelVersions { id } predictionCount
  deployments { deployment { id } modelVersion predictionCount firstPrediction lastPrediction }
} }"""
LINEAGE = """query($id: ID!) { lineage(id: $id, first: 500) {
  nodes { id } edges { type source target } totalNodes } }"""
STATS = """{ catalogStats { datasets datasetVersions features codeCommits runs models
  modelVersions deployments predictions people teams } }"""
OWNED = """query($owner: ID!) { ownedBy(owner: $owner) { role target { id } } }"""


def _answers(client: TestClient, catalog: GeneratedCatalog) -> dict[str, Any]:
    predictions = sorted(n.key for n in catalog.nodes if n.kind is Kind.PREDICTION)
    raw = sorted(n.key for n in catalog.nodes if n.kind is Kind.DATASET_VERSION
                 and n.key.startswith("customers-raw@"))  # fmt: skip
    versions = sorted(n.key for n in catalog.nodes if n.kind is Kind.MODEL_VERSION)
    answers: dict[str, Any] = {"stats": gql(client, STATS)}
    for key in predictions[:: len(predictions) // 5]:
        answers[f"trace {key}"] = gql(client, TRACE, key=key)
    answers["impact"] = gql(client, IMPACT, dv=raw[0])
    answers["lineage"] = gql(client, LINEAGE, id=f"ModelVersion:{versions[-1]}")
    answers["owned"] = gql(client, OWNED, owner="Team:data-platform")
    return answers


def _sorted(value: Any) -> Any:
    """Lists as sets: two databases may answer the same rows in another order."""
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_sorted(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def test_import_builds_the_graph_the_online_loader_builds(
    clean_graph: Driver, settings: Settings, app_client: TestClient, imported_client: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    catalog = generate(seed=5, predictions=3000)
    base, files = split_catalog(catalog, tmp_path)
    load(settings, base)
    base_rows = len(graph_rows(clean_graph))

    # The docs' example, run as written: the import, then serving the new database.
    env = {"LINEAGE_LOCAL_NEO4J_PORT": str(localneo4j.free_port())}
    (import_line, start_line) = _doc_commands()
    done = _run_doc_line(settings, import_line, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in files.values())
    assert f"imported {rows:,} rows from 5 files" in done.stdout, done.stdout
    assert "counts verified, audit chain intact" in done.stdout
    into = tmp_path / ".local" / "backfill"
    assert not (into / "import").exists()  # the CSV files are gone
    # The catalog the import started from is untouched.
    assert len(graph_rows(clean_graph)) == base_rows

    # The same files, online, into the catalog the import started from.
    for kind in ("features", "dataset_versions", "runs", "edges", "predictions"):
        loaded = _cli(settings, "load", str(files[kind]), "--kind", kind, "--reason", REASON)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr

    started = _run_doc_line(settings, start_line, cwd=tmp_path, env=env)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        uri = f"bolt://127.0.0.1:{env['LINEAGE_LOCAL_NEO4J_PORT']}"
        with GraphDatabase.driver(uri, auth=("neo4j", "unused")) as imported:
            # Every node and relationship with every property (when each was recorded
            # aside), accounts and tokens included; the audit trails differ by design.
            offline_rows = graph_rows(imported, with_audit=False)
            assert offline_rows == graph_rows(clean_graph, with_audit=False)
            records, _, _ = imported.execute_query(
                "MATCH (e:AuditEvent) WHERE e.action STARTS WITH 'import.' "
                "   OR e.action = 'catalog.import' "
                "RETURN e.action AS action, e.actor AS actor, e.reason AS reason ORDER BY e.seq"
            )
            assert [(r["action"], r["actor"], r["reason"]) for r in records] == [
                *((f"import.{k}", ACTOR, REASON) for k in
                  ("features", "dataset_versions", "runs", "edges", "predictions")),
                ("catalog.import", ACTOR, REASON),
            ]  # fmt: skip
            records, _, _ = imported.execute_query(
                "MATCH (p:Prediction) WHERE EXISTS { (p)--() } RETURN count(p) AS n"
            )
            assert records[0]["n"] == 0  # MADE_BY is two properties, not relationships
        online = _answers(app_client, catalog)
        offline = _answers(imported_client(uri), catalog)
        assert online["stats"]["catalogStats"]["predictions"] == 3000
        assert online["impact"]["impact"]["predictionCount"] > 0
        traces = [v["predictionTrace"] for k, v in online.items() if k.startswith("trace")]
        assert len(traces) >= 5 and all(t["datasetVersions"] and t["owners"] for t in traces)
        assert _sorted(offline) == _sorted(online)
    finally:
        stopped = _cli(settings, "db", "stop", env={**env, "LINEAGE_LOCAL_NEO4J_DIR": str(into)})
        assert stopped.returncode == 0, stopped.stderr
    verified = _cli(settings, "audit", "verify")
    assert verified.returncode == 0, verified.stdout


def test_a_bad_row_rejects_the_import_as_the_online_loader_rejects_it(
    clean_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    load(settings, layered_lineage(width=1, levels=1))  # prod/m served by m@1 as champion
    before = graph_rows(clean_graph)
    features = _write(tmp_path / "features.parquet", [
        {"key": "f.ok", "name": "ok", "dtype": "float", "tags": ["a"]},
        {"key": "f bad", "name": "bad key", "dtype": "float", "tags": []},
    ])  # fmt: skip
    predictions = _write(tmp_path / "predictions.parquet", [
        {"key": f"p-{i}", "deployment": "prod/nope" if i == 3 else "prod/m",
         "model_version": "m@1", "time": T0 + timedelta(seconds=i)} for i in range(5)
    ])  # fmt: skip
    edges = _write(tmp_path / "edges.parquet", [
        {"type": "CLASSIFIED_AS", "source": "Feature:f.ok", "target": "Dataset:d0-0",
         "valid_from": None, "valid_to": None, "role": None},
        {"type": "SERVED", "source": "Deployment:prod/m", "target": "ModelVersion:m@1",
         "valid_from": T0 + timedelta(days=1), "valid_to": T0 + timedelta(days=2),
         "role": "champion"},
        {"type": "OWNS", "source": "Person:owner@example.com", "target": "Feature:f.ok",
         "valid_from": T0, "valid_to": None, "role": "steward"},
    ])  # fmt: skip
    into = tmp_path / "new-db"
    specs = [f"features={features}", f"predictions={predictions}", f"edges={edges}"]
    done = _cli(settings, "import", "--into", str(into), "--reason", REASON, *specs)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "import rejected: 4 of 10 rows are bad; nothing was written" in done.stdout
    assert "features.parquet row 2 (key): key: " in done.stderr
    assert ("predictions.parquet row 4 (deployment): unknown reference: "
            "Deployment:prod/nope") in done.stderr  # fmt: skip
    assert not into.exists()
    assert graph_rows(clean_graph) == before

    def rejects(path: Path) -> list[tuple[int, str, str]]:
        lines = path.with_name(path.name + ".rejects.jsonl").read_text().splitlines()
        return [(r["row"], r["field"], r["reason"]) for r in map(json.loads, lines)]

    offline = {p.name: rejects(p) for p in (features, predictions, edges)}
    assert [row for row, _, _ in offline["edges.parquet"]] == [1, 2]
    assert "overlaps ModelVersion:m@1's as champion" in offline["edges.parquet"][1][2]
    # The online loader, file after file into the same catalog, refuses the same rows alike.
    for path, kind in ((features, "features"), (predictions, "predictions"), (edges, "edges")):
        loaded = _cli(settings, "load", str(path), "--kind", kind, "--reason", REASON)
        assert loaded.returncode == 1, loaded.stdout + loaded.stderr
        assert rejects(path) == offline[path.name]

    # A folder that holds something is never imported into.
    into.mkdir()
    (into / "keep.txt").write_text("mine")
    refused = _cli(settings, "import", "--into", str(into), "--reason", REASON,
                   f"features={features}")  # fmt: skip
    assert refused.returncode == 2 and "is not empty" in refused.stderr
    assert (into / "keep.txt").read_text() == "mine"
    # From nothing, the catalog's deployments and versions are not there to refer to.
    alone = _cli(settings, "import", "--into", str(tmp_path / "alone"), "--no-base",
                 "--reason", REASON, f"predictions={predictions}")  # fmt: skip
    assert alone.returncode == 1 and "import rejected: 5 of 5 rows are bad" in alone.stdout
    assert "row 1 (deployment): unknown reference: Deployment:prod/m" in alone.stderr
    missing = _cli(settings, "import", "--into", str(tmp_path / "other"), "--reason", REASON,
                   f"features={tmp_path / 'nope.parquet'}")  # fmt: skip
    assert missing.returncode == 2 and "nope.parquet: no such file" in missing.stderr
    # Observations open incidents as recordObservation does: loaded online, never imported.
    refused = _cli(settings, "import", "--into", str(tmp_path / "other"), "--reason", REASON,
                   f"observations={features}")  # fmt: skip
    assert refused.returncode == 2 and "observations are not imported" in refused.stderr


def test_rows_repeated_across_files_keep_their_last_values_as_online(
    clean_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    """A key given twice (a prediction re-sent, a feature described again) and a base
    prediction rewritten by a file end as the online loader leaves them; empty lists and
    line breaks, which CSV says poorly, arrive intact."""
    load(settings, layered_lineage(width=1, levels=1))  # holds prediction p
    first = _write(tmp_path / "first.parquet", [
        {"key": "q-1", "deployment": "prod/m", "model_version": "m@1", "time": T0,
         "output": "one"},
        {"key": "p", "deployment": "prod/m", "model_version": "m@1",
         "time": T0 + timedelta(hours=1), "output": "line one\nline two"},
        {"key": "q-2", "deployment": "prod/m", "model_version": "m@1", "time": T0,
         "output": None},
    ])  # fmt: skip
    again = _write(tmp_path / "again.parquet", [
        {"key": "q-1", "deployment": "prod/m", "model_version": "m@1",
         "time": T0 + timedelta(minutes=5), "output": None},
        {"key": "q-2", "deployment": "prod/m", "model_version": "m@1", "time": T0,
         "output": "now set"},
    ])  # fmt: skip
    features = _write(tmp_path / "features.parquet", [
        {"key": "f.empty", "name": "no tags", "description": "a\r\nb, \"quoted\"", "tags": []},
        {"key": "f.empty", "name": "still none", "description": None, "tags": []},
    ])  # fmt: skip
    into = tmp_path / "db"
    specs = [f"predictions={first}", f"predictions={again}", f"features={features}"]
    done = _cli(settings, "import", "--into", str(into), "--reason", REASON, *specs)
    assert done.returncode == 0, done.stdout + done.stderr
    for path, kind in ((first, "predictions"), (again, "predictions"), (features, "features")):
        loaded = _cli(settings, "load", str(path), "--kind", kind, "--reason", REASON)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    running = localneo4j.start(data_dir=into, port=localneo4j.free_port(), heap="1g",
                               pagecache_mb=64)  # fmt: skip
    try:
        with GraphDatabase.driver(running.uri, auth=("neo4j", "unused")) as imported:
            got = graph_rows(imported, with_audit=False)
            assert got == graph_rows(clean_graph, with_audit=False)
        assert any('"tags": []' in line for line in got)
        assert any("line one\\nline two" in line for line in got)
    finally:
        localneo4j.stop(running)
