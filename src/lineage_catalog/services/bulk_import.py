"""`lineage import`: a new database built offline by Neo4j's import tool from bulk files, on
top of the catalog as it is, then migrated, audited and verified (docs/bulk-load.md).

The rows are read and validated by the online loader's own code (ingest/arrow.py's parsers,
services/bulk_load.py's governance and in-file serving checks), and what a valid batch
writes is what the online writer's batch code (store/bulk.write_batch,
store/predictions.prediction_groups) would send to Neo4j: the import keeps those
statements' rows and applies their MERGE semantics to an in-memory copy of the graph
instead of sending them. The predictions' day counts are not staged: the new database's
migrations (V0009) count them from every prediction it holds. Checks that read the stored
graph (references exist; serving history neither rewrites nor overlaps a stored champion
interval) ask that copy: the base and the rows of the files before. Any bad row rejects
the whole import, with every bad row's number and reason, and nothing is written.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neo4j import AsyncDriver

from lineage_catalog import localneo4j
from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor, Role
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Rel
from lineage_catalog.ingest.arrow import LoadKind, ParsedRow, read_batches
from lineage_catalog.services.audit import checked_reason, verify_chain, write_audited

# The online loader's steps, shared so that a row is judged by one set of rules.
from lineage_catalog.services.bulk_load import (
    LoadReport,
    Refusal,
    Reject,
    governance_rejects,
    judge_serving,
    mark_imported,
    parse_batch,
    reference_refusals,
    reject,
    serving_rows,
    write_rejects,
)
from lineage_catalog.settings import Settings
from lineage_catalog.store import bulk
from lineage_catalog.store.graph import Graph, WriteTx, open_driver
from lineage_catalog.store.importer import (
    Base,
    CsvStage,
    StagedFiles,
    apply_fixes,
    iso_time,
    read_base,
    run_import_tool,
    stored_counts,
)
from lineage_catalog.store.migrations import migrate
from lineage_catalog.store.nodes import native
from lineage_catalog.store.predictions import from_micros, prediction_groups


class ImportVerificationError(RuntimeError):
    """The imported database does not hold what the import wrote; it was removed."""


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A bulk file and its kind, as `lineage load --kind` takes them."""

    kind: LoadKind
    path: Path


@dataclass
class FileReport:
    file: ImportFile
    rows: int = 0
    landed: int = 0  # rows that write something (a repeat of stored serving writes nothing)
    rejects: list[Reject] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)


@dataclass
class ImportReport:
    into: Path
    files: list[FileReport]
    imported: bool = False
    base_nodes: int = 0
    base_relationships: int = 0
    nodes: int = 0
    relationships: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(len(f.rejects) for f in self.files)

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class _Node:
    id: str  # the import id: "#<n>" for a node of the base, the uid for a new one
    labels: list[str]
    props: dict[str, Any]


@dataclass
class _Rel:
    start: str
    end: str
    type: str
    props: dict[str, Any]


class _Recorder(WriteTx):
    """In the place of a write transaction: keeps the statements that the online writer's
    batch code would run, so that the import writes exactly what they say."""

    def __init__(self) -> None:  # nothing is sent anywhere: no graph, no transaction
        self.statements: list[tuple[str, dict[str, Any]]] = []

    async def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        self.statements.append((name, params))
        return []


class _Assembly:
    """The graph being built: the base, then each file's valid rows, as the online loader's
    statements would leave it."""

    def __init__(self, base: Base, stage: CsvStage, *, now: datetime) -> None:
        self.stage, self.now, self.stamp = stage, now, iso_time(now)
        self.nodes: dict[str, _Node] = {}  # uid -> node (base catalog nodes and new ones)
        self.others: list[_Node] = []  # base nodes without a uid (audit, accounts, ...)
        self.rels: list[_Rel] = []
        self.by_ends: dict[tuple[str, str, str], list[_Rel]] = {}  # (source uid, type, target)
        self.streamed: set[str] = set()  # prediction uids already in the CSV files
        self.repeated: dict[str, list[Any]] = {}  # streamed uid -> its final row
        self.serving: dict[tuple[str, str, datetime], dict[str, Any]] = {}
        self.champions: dict[str, dict[tuple[str, datetime], datetime | None]] = {}
        uids: dict[str, str | None] = {}
        for n, stored in enumerate(base.nodes):
            node = _Node(f"#{n}", stored.labels, stored.props)
            node_uid = stored.props.get("uid")
            if "Node" in stored.labels and isinstance(node_uid, str):
                self.nodes[node_uid] = node
                uids[stored.id] = node_uid
            else:
                self.others.append(node)
                uids[stored.id] = None
        ids = {stored.id: f"#{n}" for n, stored in enumerate(base.nodes)}
        for r in base.rels:
            rel = _Rel(ids[r.start], ids[r.end], r.type, r.props)
            self.rels.append(rel)
            source, target = uids[r.start], uids[r.end]
            if source is not None and target is not None:
                self.by_ends.setdefault((source, r.type, target), []).append(rel)
                if r.type == Rel.SERVED.value and "valid_from" in r.props:
                    self._index_serving(source, target, rel.props)

    def known(self, node_uid: str) -> bool:
        return node_uid in self.nodes or node_uid in self.streamed

    def _id(self, node_uid: str) -> str:
        node = self.nodes.get(node_uid)
        return node.id if node is not None else node_uid

    def _index_serving(self, source: str, target: str, props: dict[str, Any]) -> None:
        plain = {k: native(v) for k, v in props.items()}
        start = plain["valid_from"]
        self.serving[(source, target, start)] = plain
        champions = self.champions.setdefault(source, {})
        champions.pop((target, start), None)
        if plain.get("role") == "champion":
            champions[(target, start)] = plain.get("valid_to")

    async def write(self, parsed: dict[int, ParsedRow]) -> tuple[dict[int, Refusal], set[int]]:
        """bulk_load._write against this graph: the refused rows and those stored already."""
        wanted = {ref for row in parsed.values() for ref in row.refs}
        missing = {ref for ref in wanted if not self.known(ref)}
        refused = reference_refusals(parsed, missing)
        conflicts, stored = self._serving_conflicts(
            {n: r for n, r in parsed.items() if n not in refused}
        )
        refused |= conflicts
        good = [row for n, row in parsed.items() if n not in refused and n not in stored]
        groups = prediction_groups(row.prediction for row in good if row.prediction is not None)
        if groups:
            self._predictions(groups)
        recorder = _Recorder()
        batch_nodes = [node for row in good for node in row.nodes]
        batch_edges = [edge for row in good for edge in row.edges]
        if batch_nodes or batch_edges:
            await bulk.write_batch(recorder, nodes=batch_nodes, edges=batch_edges)
        for name, params in recorder.statements:
            self._apply(name, params)
        return refused, stored

    def _serving_conflicts(
        self, parsed: dict[int, ParsedRow]
    ) -> tuple[dict[int, Refusal], set[int]]:
        """bulk_load.judge_serving with what bulk/serving_conflicts.cypher would find in
        this graph: the interval stored with the same start, and an overlapping champion."""
        rows = serving_rows(parsed)
        found = []
        for row in rows:
            same = self.serving.get((row["source"], row["target"], row["valid_from"]))
            overlap = None if row["role"] != "champion" else next((
                version for (version, start), end in self.champions.get(row["source"], {}).items()
                if start < row["valid_to"] and (end is None or end > row["valid_from"])
                and not (version == row["target"] and start == row["valid_from"])
            ), None)  # fmt: skip
            found.append((row["n"], same, overlap))
        return judge_serving(rows, found)

    def _predictions(self, groups: list[dict[str, Any]]) -> None:
        """bulk/load_predictions.cypher: MERGE by uid, the four values SET."""
        with_output: list[list[str]] = []
        without: list[list[str]] = []
        for group in groups:
            deployment, model_version = group["deployment"], group["model_version"]
            for key, micros, output in group["rows"]:
                node_uid = "Prediction:" + key
                node = self.nodes.get(node_uid)
                if node is not None:  # in the base
                    node.props.update(deployment=deployment, model_version=model_version,
                                      time=from_micros(micros), output=output)  # fmt: skip
                    if output is None:
                        del node.props["output"]
                elif node_uid in self.streamed:  # repeated: its last values win
                    self.repeated[node_uid] = [key, micros, output, deployment, model_version]
                else:
                    self.streamed.add(node_uid)
                    row = [node_uid, node_uid, key, self.stamp, deployment, model_version,
                           from_micros(micros).isoformat()]  # fmt: skip
                    if output is None:
                        without.append(row)
                    else:
                        row.append(output)
                        with_output.append(row)
        if with_output:
            self.stage.predictions(with_output, with_output=True)
        if without:
            self.stage.predictions(without, with_output=False)

    def _apply(self, name: str, params: dict[str, Any]) -> None:
        """One statement of store/bulk.write_batch, by what its Cypher does."""
        if name == "node/bulk_upsert_nodes":
            for row in params["rows"]:
                node = self.nodes.get(row["uid"])
                if node is None:
                    node = _Node(row["uid"], ["Node"], {"uid": row["uid"], "recorded_at": self.now})
                    self.nodes[row["uid"]] = node
                if row["kind"] not in node.labels:
                    node.labels.append(row["kind"])
                node.props.update(kind=row["kind"], key=row["key"], **row["props"])
                node.props.pop("placeholder", None)
        elif name in ("node/merge_edges", "node/bulk_merge_interval_edges"):
            for row in params["rows"]:
                self._merge_edge(row, interval=name == "node/bulk_merge_interval_edges")
        else:
            raise RuntimeError(f"the offline import cannot write {name} (store/bulk.py changed?)")

    def _merge_edge(self, row: dict[str, Any], *, interval: bool) -> None:
        ends = (row["source"], row["type"], row["target"])
        found = self.by_ends.setdefault(ends, [])
        matching = found
        if interval:
            start = row["valid_from"]
            matching = [r for r in found if native(r.props.get("valid_from")) == start]
        if not matching:
            props = {"recorded_at": self.now, **({"valid_from": start} if interval else {})}
            rel = _Rel(self._id(row["source"]), self._id(row["target"]), row["type"], props)
            self.rels.append(rel)
            found.append(rel)
            matching = [rel]
        for rel in matching:
            rel.props.update(row["props"])
            if interval and row["type"] == Rel.SERVED.value:
                self._index_serving(row["source"], row["target"], rel.props)

    def finish(self) -> StagedFiles:
        """Write what is not written yet; the files for the import tool."""
        if self.repeated:
            self.stage.drop_predictions(set(self.repeated))
            self.streamed -= set(self.repeated)
            self._predictions(prediction_groups(self.repeated.values()))
        for node in [*self.nodes.values(), *self.others]:
            self.stage.node(node.id, node.labels, node.props)
        for rel in self.rels:
            self.stage.rel(rel.start, rel.end, rel.type, rel.props)
        return self.stage.close()


async def _validate_file(
    assembly: _Assembly, file: ImportFile, *, actor: Actor, reason: str, batch_size: int
) -> FileReport:
    """One file, batch by batch, as bulk_load.load judges it; its valid rows join the graph."""
    report = FileReport(file)
    for batch in read_batches(file.path, batch_size=batch_size):
        first = report.rows + 1
        parsed, rejects = parse_batch(file.kind, batch, first)
        refused_now = governance_rejects(parsed, roles=frozenset(Role), reason=reason,
                                          now=assembly.now)  # fmt: skip
        for number, why in sorted(refused_now.items()):
            del parsed[number]
            rejects.append(reject(number, why, batch.slice(number - first, 1).to_pylist()[0]))
        mark_imported(parsed, actor=actor, reason=reason)
        refused, stored = await assembly.write(parsed)
        for number, why in sorted(refused.items()):
            rejects.append(reject(number, why, batch.slice(number - first, 1).to_pylist()[0]))
        for n in sorted(n for n in parsed if n not in refused and n not in stored):
            row = parsed[n]
            report.digest.update(repr((row.prediction, row.nodes, row.edges,
                                       row.observation)).encode())  # fmt: skip
            report.landed += 1
        report.rows += batch.num_rows
        report.rejects += sorted(rejects, key=lambda r: r.row)
    return report


def _changes(report: ImportReport, reason: str) -> list[Change]:
    """What the import records: one event per file (its kind, rows and a digest of what they
    wrote, like a load's per-batch events) and one for the database as a whole."""
    changes = [
        Change(f"import.{f.file.kind.value}", f"bulk:{f.file.kind.value}", None,
               {"file": f.file.path.name, "rows": f.rows, "landed": f.landed,
                "sha256": f.digest.hexdigest()}, reason)
        for f in report.files
    ]  # fmt: skip
    files = [f"{f.file.kind.value}={f.file.path.name}" for f in report.files]
    summary = {"database": report.into.name, "base_nodes": report.base_nodes,
               "base_relationships": report.base_relationships, "nodes": report.nodes,
               "relationships": report.relationships, "files": files}  # fmt: skip
    return [*changes, Change("catalog.import", "catalog", None, summary, reason)]


def _check_new(into: Path, files: list[ImportFile]) -> None:
    for f in files:
        if not f.path.is_file():
            raise BadInputError(f"{f.path}: no such file", path=["files"])
    if into.exists() and any(into.iterdir()):
        raise BadInputError(f"{into} is not empty: an import builds a new database",
                            path=["into"])  # fmt: skip


async def import_files(
    *, files: list[ImportFile], into: Path, actor: Actor, reason: str | None,
    settings: Settings, base_driver: AsyncDriver | None, batch_size: int = 10_000,
    off_heap: str = "2G", on_phase: Callable[[str, float], None] | None = None,
) -> ImportReport:  # fmt: skip
    """Build a new database in the data folder `into` (a `lineage db start` folder) from the
    catalog behind `base_driver` (None: from nothing) and the files, in their order.

    Every row is judged first; with any bad row nothing is written and the report says why
    (`imported` False). Otherwise the tool imports, the database starts, migrations run, the
    counts per label and type are checked, the import is audited and the chain verified.
    """
    checked = checked_reason(reason, path=["reason"], required=True)
    assert checked is not None
    for f in files:
        if f.kind is LoadKind.OBSERVATIONS:
            raise BadInputError(
                "observations are not imported offline: they open and extend incidents as "
                "recordObservation does, so load them with `lineage load` once the database "
                "serves",
                path=["files"],
            )
    _check_new(into, files)
    report = ImportReport(into=into, files=[])

    def phase(name: str, started: float) -> None:
        report.phases[name] = time.perf_counter() - started
        if on_phase:
            on_phase(name, report.phases[name])

    try:
        started = time.perf_counter()
        base = await read_base(base_driver, database=settings.neo4j_database) if base_driver \
            else Base()  # fmt: skip
        report.base_nodes, report.base_relationships = len(base.nodes), len(base.rels)
        phase("base", started)
        started = time.perf_counter()
        stage = CsvStage(into / "import")
        assembly = _Assembly(base, stage, now=datetime.now(UTC))
        del base
        for f in files:
            report.files.append(await _validate_file(assembly, f, actor=actor, reason=checked,
                                                     batch_size=batch_size))  # fmt: skip
        if report.rejected:
            shutil.rmtree(into)
            return report
        staged = assembly.finish()
        del assembly
        report.nodes, report.relationships = staged.nodes, sum(staged.types.values())
        phase("validate", started)
        started = time.perf_counter()
        run_import_tool(home=into / "store", staged=staged, database=settings.neo4j_database,
                        heap=settings.local_neo4j_heap, off_heap=off_heap,
                        report_file=into / "import" / "import.report")  # fmt: skip
        shutil.rmtree(into / "import")
        phase("import tool", started)
        await _open_and_verify(report, staged, settings=settings, actor=actor, reason=checked,
                               phase=phase)  # fmt: skip
        report.imported = True
        return report
    except BaseException:
        shutil.rmtree(into, ignore_errors=True)
        raise


async def _open_and_verify(
    report: ImportReport, staged: StagedFiles, *, settings: Settings, actor: Actor, reason: str,
    phase: Callable[[str, float], None],
) -> None:  # fmt: skip
    """Start the new database, migrate it, set what CSV could not say, check the counts,
    audit the import and verify the chain; stop it again."""
    started = time.perf_counter()
    running = localneo4j.start(data_dir=report.into, port=localneo4j.free_port(),
                               heap=settings.local_neo4j_heap,
                               pagecache_mb=settings.local_neo4j_pagecache_mb)  # fmt: skip
    phase("start", started)
    try:
        started = time.perf_counter()
        driver = open_driver(settings.model_copy(update={"neo4j_uri": running.uri}))
        try:
            await migrate(driver, database=settings.neo4j_database)
            graph = Graph(driver, database=settings.neo4j_database)
            await apply_fixes(graph, staged)
            phase("migrate", started)
            started = time.perf_counter()
            labels, types = await stored_counts(graph)
            if labels != staged.labels or types != staged.types:
                raise ImportVerificationError(
                    "the imported database does not hold what the import wrote: nodes per "
                    f"label {dict(labels)} against {dict(staged.labels)}, relationships per "
                    f"type {dict(types)} against {dict(staged.types)}"
                )
            await write_audited(graph, actor=actor, changes=_changes(report, reason))
            chain = await verify_chain(graph)
            if not chain.ok:
                raise ImportVerificationError(f"the audit chain is broken: {chain.problem}")
            phase("verify and audit", started)
        finally:
            await driver.close()
    finally:
        localneo4j.stop(running)


def write_import_rejects(report: ImportReport) -> list[str]:
    """Each file's rejected rows in FILE.rejects.jsonl (as `lineage load` writes them); one
    line per reject: file, row, column and reason."""
    lines = []
    for f in report.files:
        if not f.rejects:
            continue
        load = LoadReport(kind=f.file.kind, rows=f.rows, rejects=f.rejects)
        write_rejects(load, f.file.path.with_name(f.file.path.name + ".rejects.jsonl"))
        lines += [f"{f.file.path.name} row {r.row} ({r.field or 'row'}): {r.reason}"
                  for r in sorted(f.rejects, key=lambda r: r.row)]  # fmt: skip
    return lines
