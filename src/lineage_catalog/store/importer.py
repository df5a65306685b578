"""The offline import's Neo4j side (`lineage import`): the catalog as it is (the base), CSV
files for Neo4j's import tool, the tool itself, and the values CSV cannot carry.

Neo4j's bulk importer (`neo4j-admin database import full`, `org.neo4j.cli.AdminTool` in the
neo4j-command-line and neo4j-import-tool jars that the Neo4j 5.26 artifact of
graph/local-neo4j already resolves) writes a new store from CSV files at disk speed, without
transactions. Nodes and relationships are grouped into one CSV file per set of property
names and types, so that every row has every column of its file (the tool reads an empty
field as no value), and every field is quoted (an empty quoted field is ""). A value CSV
cannot say (an empty list, a list with an empty string, a
duration, a point ...) is set through Bolt after the database starts (`apply_fixes`).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import ServiceUnavailable, SessionExpired
from neo4j.time import DateTime

from lineage_catalog import localneo4j
from lineage_catalog.domain.errors import GraphUnavailableError
from lineage_catalog.store.files import query_text
from lineage_catalog.store.graph import Graph

ADMIN_TOOL_CLASS = "org.neo4j.cli.AdminTool"
# Between array elements: a control character no catalog text uses (a list whose text holds
# it goes through apply_fixes).
ARRAY_DELIMITER = "\x1f"
# The tool splits labels at the array delimiter too.
PREDICTION_LABELS = "Node" + ARRAY_DELIMITER + "Prediction"


class ImportToolError(RuntimeError):
    """Neo4j's import tool failed; the message has the end of its output."""


@dataclass(frozen=True, slots=True)
class StoredNode:
    """A node of the base as stored: its element id, labels and properties."""

    id: str
    labels: list[str]
    props: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredRel:
    """A relationship of the base: its ends' element ids, type and properties."""

    start: str
    end: str
    type: str
    props: dict[str, Any]


@dataclass
class Base:
    """The catalog as it was in one read transaction (empty for an import from files alone)."""

    nodes: list[StoredNode] = field(default_factory=list)
    rels: list[StoredRel] = field(default_factory=list)


async def read_base(driver: AsyncDriver, *, database: str) -> Base:
    """Every node and relationship of the catalog (migration records aside), read in one
    transaction so that the two lists agree."""

    async def work(tx: AsyncManagedTransaction) -> Base:
        base = Base()
        result = await tx.run(query_text("importer/base_nodes"))
        async for record in result:
            base.nodes.append(StoredNode(record["id"], list(record["labels"]),
                                         dict(record["props"])))  # fmt: skip
        result = await tx.run(query_text("importer/base_relationships"))
        async for record in result:
            base.rels.append(StoredRel(record["start"], record["end"], record["type"],
                                       dict(record["props"])))  # fmt: skip
        return base

    try:
        async with driver.session(database=database) as session:
            return await session.execute_read(work)
    except (ServiceUnavailable, SessionExpired, OSError) as e:
        raise GraphUnavailableError(
            f"the catalog to start from cannot be reached ({e}): start it, or import from "
            "nothing with --no-base"
        ) from e


def iso_time(value: datetime | DateTime) -> str:
    """A zoned time as the import tool's `datetime` column reads it (nanoseconds kept)."""
    return value.iso_format() if isinstance(value, DateTime) else value.isoformat()


_SCALARS: dict[type, str] = {bool: "boolean", int: "long", float: "double", str: "string"}


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_column(value: Any) -> tuple[str, str] | None:
    """(the column type, the field's text) of a property value, or None when CSV cannot say
    it exactly."""
    kind = _SCALARS.get(type(value))
    if kind is not None:
        return kind, _scalar_text(value)
    if isinstance(value, datetime | DateTime) and value.tzinfo is not None:
        return "datetime", iso_time(value)
    if isinstance(value, list) and value:
        kind = _SCALARS.get(type(value[0]))
        if kind is None or any(type(v) is not type(value[0]) for v in value):
            return None
        texts = [_scalar_text(v) for v in value]
        # An empty element reads as none, a delimiter splits one, a line break needs the
        # slow multi-line parser for a rare list: all three go through Bolt instead.
        if any(t == "" or ARRAY_DELIMITER in t or "\n" in t or "\r" in t for t in texts):
            return None
        return kind + "[]", ARRAY_DELIMITER.join(texts)
    return None


def _plain_name(name: str) -> bool:
    return bool(name) and not any(c in name for c in ',:"\n\r' + ARRAY_DELIMITER)


@dataclass
class _CsvFile:
    path: Path
    handle: IO[str]
    writer: Any
    multiline: bool = False


@dataclass
class StagedFiles:
    """What the import tool reads, and what it is expected to create."""

    nodes: int
    node_files: list[Path]
    rel_files: list[Path]
    multiline: list[Path]
    labels: Counter[str]
    types: Counter[str]
    fixes_by_uid: dict[str, dict[str, Any]]
    marked_node_fixes: dict[str, dict[str, Any]]
    marked_rel_fixes: dict[str, dict[str, Any]]


class CsvStage:
    """CSV files for the import tool in a folder: one per signature (property names and
    column types), each with its header; counts what they hold."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._nodes: dict[tuple[Any, ...], _CsvFile] = {}
        self._rels: dict[tuple[Any, ...], _CsvFile] = {}
        self.node_rows = 0
        self.labels: Counter[str] = Counter()
        self.types: Counter[str] = Counter()
        self.fixes_by_uid: dict[str, dict[str, Any]] = {}
        self.marked_node_fixes: dict[str, dict[str, Any]] = {}
        self.marked_rel_fixes: dict[str, dict[str, Any]] = {}

    def _file(self, files: dict[tuple[Any, ...], _CsvFile], signature: tuple[Any, ...],
              head: Sequence[str], prefix: str) -> _CsvFile:  # fmt: skip
        found = files.get(signature)
        if found is None:
            path = self.folder / f"{prefix}-{len(files):04d}.csv"
            handle = path.open("w", newline="", encoding="utf-8")
            writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
            writer.writerow(head)
            found = files[signature] = _CsvFile(path, handle, writer)
        return found

    def _columns(
        self, props: Mapping[str, Any]
    ) -> tuple[list[tuple[str, str, str]], dict[str, Any]]:
        columns, fixes = [], {}
        for name in sorted(props):
            value = props[name]
            if value is None:
                continue
            column = csv_column(value) if _plain_name(name) else None
            if column is None:
                fixes[name] = value
            else:
                columns.append((name, *column))
        return columns, fixes

    def node(self, node_id: str, labels: Sequence[str], props: Mapping[str, Any]) -> None:
        """One node: its import id (what relationships name it by), labels and properties."""
        columns, fixes = self._columns(props)
        if fixes:
            node_uid = props.get("uid")
            if "Node" in labels and isinstance(node_uid, str):
                self.fixes_by_uid[node_uid] = fixes
            else:
                mark = f"n{len(self.marked_node_fixes)}"
                self.marked_node_fixes[mark] = fixes
                columns = sorted([*columns, ("_import_fix", "string", mark)])
        signature = tuple((name, kind) for name, kind, _ in columns)
        head = [":ID", ":LABEL", *(f"{name}:{kind}" for name, kind in signature)]
        out = self._file(self._nodes, ("node", *signature), head, "nodes")
        texts = [text for _, _, text in columns]
        out.multiline = out.multiline or any("\n" in t or "\r" in t for t in texts)
        out.writer.writerow([node_id, ARRAY_DELIMITER.join(labels), *texts])
        self.node_rows += 1
        self.labels.update(labels)

    def predictions(self, rows: Iterable[Sequence[str]], *, with_output: bool) -> None:
        """Prediction nodes as rows already in columns: id (the uid), uid, key, recorded_at,
        deployment, model_version, time, and output when `with_output`."""
        head = [":ID", ":LABEL", "uid", "kind", "key", "recorded_at:datetime", "deployment",
                "model_version", "time:datetime"] + (["output"] if with_output else [])  # fmt: skip
        out = self._file(self._nodes, ("predictions", with_output), head, "predictions")
        count = 0
        for row in rows:
            out.writer.writerow([row[0], PREDICTION_LABELS, row[1], "Prediction", *row[2:]])
            count += 1
            if with_output and not out.multiline and ("\n" in row[-1] or "\r" in row[-1]):
                out.multiline = True
        self.node_rows += count
        self.labels.update({"Node": count, "Prediction": count})

    def drop_predictions(self, ids: set[str]) -> None:
        """Remove the prediction rows with these ids (written again later with their final
        values: a key that a file repeats)."""
        for signature, out in self._nodes.items():
            if signature[0] != "predictions":
                continue
            out.handle.close()
            kept = out.path.with_suffix(".kept")
            dropped = 0
            with (
                out.path.open(newline="", encoding="utf-8") as source,
                kept.open("w", newline="", encoding="utf-8") as target,
            ):
                writer = csv.writer(target, lineterminator="\n", quoting=csv.QUOTE_ALL)
                for row in csv.reader(source):
                    if row[0] in ids:
                        dropped += 1
                    else:
                        writer.writerow(row)
            kept.replace(out.path)
            out.handle = out.path.open("a", newline="", encoding="utf-8")
            out.writer = csv.writer(out.handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
            self.node_rows -= dropped
            self.labels.subtract({"Node": dropped, "Prediction": dropped})

    def rel(self, start: str, end: str, rel_type: str, props: Mapping[str, Any]) -> None:
        """One relationship between two import ids."""
        columns, fixes = self._columns(props)
        if fixes:
            mark = f"r{len(self.marked_rel_fixes)}"
            self.marked_rel_fixes[mark] = fixes
            columns = sorted([*columns, ("_import_fix", "string", mark)])
        signature = tuple((name, kind) for name, kind, _ in columns)
        head = [":START_ID", ":END_ID", ":TYPE", *(f"{name}:{kind}" for name, kind in signature)]
        out = self._file(self._rels, signature, head, "relationships")
        texts = [text for _, _, text in columns]
        out.multiline = out.multiline or any("\n" in t or "\r" in t for t in texts)
        out.writer.writerow([start, end, rel_type, *texts])
        self.types[rel_type] += 1

    def close(self) -> StagedFiles:
        """Close every file; what the import tool is to read."""
        for out in [*self._nodes.values(), *self._rels.values()]:
            out.handle.close()
        files = [*self._nodes.values(), *self._rels.values()]
        return StagedFiles(
            nodes=self.node_rows,
            node_files=[f.path for f in self._nodes.values()],
            rel_files=[f.path for f in self._rels.values()],
            multiline=[f.path for f in files if f.multiline],
            labels=+self.labels, types=+self.types, fixes_by_uid=self.fixes_by_uid,
            marked_node_fixes=self.marked_node_fixes, marked_rel_fixes=self.marked_rel_fixes,
        )  # fmt: skip


def run_import_tool(
    *, home: Path, staged: StagedFiles, database: str, heap: str, off_heap: str,
    report_file: Path,
) -> str:  # fmt: skip
    """Run `neo4j-admin database import full` (a Java main class from graph/local-neo4j's
    Maven classpath) into the Neo4j home folder `home`, where the local launcher finds it
    (`<data dir>/store`); return the tool's output."""
    if not staged.node_files:
        raise ImportToolError("nothing to import: no nodes")
    java = shutil.which("java")
    if java is None:
        raise ImportToolError("`java` is not installed or not on PATH: install a Java 17 JDK")
    classpath = localneo4j.build_classpath(localneo4j.find_launcher_dir())
    home.mkdir(parents=True, exist_ok=True)
    command = [
        java, f"-Xmx{heap}", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-cp", classpath,
        ADMIN_TOOL_CLASS, "database", "import", "full",
        *(f"--nodes={path}" for path in staged.node_files),
        *(f"--relationships={path}" for path in staged.rel_files),
        "--id-type=string", "--array-delimiter=U+001F", "--bad-tolerance=0", "--strict=true",
        f"--max-off-heap-memory={off_heap}", f"--report-file={report_file}",
    ]  # fmt: skip
    if staged.multiline:
        # Only the files that hold a line break pay for the multi-line parser.
        command += ["--multiline-fields-format=v2",
                    "--multiline-fields=" + ",".join(str(p) for p in staged.multiline)]  # fmt: skip
    command.append(database)
    env = {**os.environ, "NEO4J_HOME": str(home)}
    env.pop("NEO4J_CONF", None)  # the tool's settings are its flags, not another install's
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-25:])
        raise ImportToolError(f"neo4j-admin database import failed ({result.returncode}):\n{tail}")
    return output


async def apply_fixes(graph: Graph, staged: StagedFiles, *, batch_size: int = 10_000) -> int:
    """Set the values the CSV files could not carry, through Bolt; return how many nodes and
    relationships were fixed."""
    fixed = 0
    rows = [{"uid": u, "props": props} for u, props in staged.fixes_by_uid.items()]
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]

        async def by_uid(tx: Any, chunk: list[dict[str, Any]] = chunk) -> int:
            found = await tx.run("importer/fix_nodes_by_uid", rows=chunk)
            return int(found[0]["fixed"])

        fixed += await graph.write(by_uid)
    marked = (("importer/fix_marked_nodes", staged.marked_node_fixes),
              ("importer/fix_marked_relationships", staged.marked_rel_fixes))  # fmt: skip
    for name, fixes in marked:
        if fixes:

            async def by_mark(tx: Any, name: str = name, fixes: dict[str, Any] = fixes) -> int:
                found = await tx.run(name, fixes=fixes)
                return int(found[0]["fixed"])

            fixed += await graph.write(by_mark)
    return fixed


async def stored_counts(graph: Graph) -> tuple[Counter[str], Counter[str]]:
    """Nodes per label (migration records aside) and relationships per type, as stored."""
    labels = Counter({r["label"]: int(r["n"]) for r in await graph.read("importer/label_counts")})
    types = Counter({r["type"]: int(r["n"]) for r in await graph.read("importer/type_counts")})
    return labels, types
