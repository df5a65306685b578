"""The reads behind Marquez's REST API (api/rest/marquez.py): one statement per answer.

Rows are plain dicts: node properties decoded as everywhere (store.nodes.decode_props),
Neo4j times as datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lineage_catalog.domain.model import Kind
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.nodes import decode_props, native

# Keys of a row that hold a node's properties map (decoded like any stored node).
_PROPS = frozenset({"dataset", "version", "run", "props"})
_MARQUEZ_KINDS = [Kind.DATASET.value, Kind.JOB.value]


@dataclass(frozen=True, slots=True)
class Rows:
    """A page of an answer and how many rows the whole answer has."""

    total: int
    rows: list[dict[str, Any]]


def _decoded(value: Any, *, props: bool = False) -> Any:
    if isinstance(value, Mapping):
        if props:
            # The key stays: a run's is its id, a version's its Marquez version.
            return {**decode_props(value), "key": value.get("key")}
        return {
            k: _decoded(v, props=k in _PROPS and isinstance(v, Mapping)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return native(value)


def _job_props(value: Any) -> Any:
    # "job" is an id ({namespace, name}) in run rows and a properties map in job rows.
    if isinstance(value, Mapping) and "key" in value:
        return {**decode_props(value), "key": value["key"]}
    return value


def _rows(found: list[dict[str, Any]]) -> Rows:
    if not found:
        return Rows(total=0, rows=[])
    row = found[0]
    rows = [_decoded(r) for r in row["rows"]]
    for r in rows:
        if "job" in r:
            r["job"] = _job_props(r["job"])
    return Rows(total=int(row["total"]), rows=rows)


async def namespaces(graph: Graph, *, name: str | None, offset: int, limit: int) -> Rows:
    """The namespaces of OpenLineage datasets and jobs by name (or the one named)."""
    found = await graph.read("marquez/namespaces", kinds=_MARQUEZ_KINDS, name=name,
                             offset=offset, limit=limit)  # fmt: skip
    return _rows(found)


async def datasets(
    graph: Graph, *, namespace: str, prefix: str, name: str | None, offset: int, limit: int
) -> Rows:
    """The datasets of a namespace by name (or the one named), each with its current version."""
    found = await graph.read("marquez/datasets", namespace=namespace, prefix=prefix, name=name,
                             offset=offset, limit=limit)  # fmt: skip
    return _rows(found)


async def dataset_versions(
    graph: Graph, *, dataset: str, offset: int, limit: int
) -> tuple[dict[str, Any], Rows] | None:
    """The dataset's properties and its versions, newest first; None without the dataset."""
    found = await graph.read("marquez/dataset_versions", dataset=dataset, offset=offset,
                             limit=limit)  # fmt: skip
    if not found:
        return None
    return _decoded(found[0]["props"], props=True), _rows(found)


async def jobs(
    graph: Graph, *, namespace: str, prefix: str, name: str | None, offset: int, limit: int
) -> Rows:
    """The jobs of a namespace by name (or the one named), each with its latest run."""
    found = await graph.read("marquez/jobs", namespace=namespace, prefix=prefix, name=name,
                             offset=offset, limit=limit)  # fmt: skip
    return _rows(found)


async def job_runs(graph: Graph, *, job: str, offset: int, limit: int) -> Rows | None:
    """The job's runs, newest start first; None when there is no such job."""
    found = await graph.read("marquez/job_runs", job=job, offset=offset, limit=limit)
    return _rows(found) if found else None


async def run(graph: Graph, *, run: str) -> dict[str, Any] | None:
    """One run with its job and versions; None when there is no such run."""
    found = await graph.read("marquez/run", run=run)
    if not found:
        return None
    row: dict[str, Any] = _decoded(found[0]["row"])
    return row


async def lineage(graph: Graph, *, start: str, depth: int) -> dict[str, Any] | None:
    """The datasets, jobs and edges within depth of a dataset or job; None without it."""
    found = await graph.read("marquez/lineage", start=start, depth=depth)
    if not found:
        return None
    row = found[0]
    jobs = [_decoded(j) for j in row["jobs"]]
    for j in jobs:
        j["job"] = _job_props(j["job"])
    return {"datasets": [_decoded(d) for d in row["datasets"]], "jobs": jobs,
            "edges": list(row["edges"])}  # fmt: skip


async def search(
    graph: Graph, *, pattern: str, kinds: list[Kind], by_time: bool, limit: int
) -> Rows:
    """Datasets and jobs whose name matches the regular expression pattern."""
    found = await graph.read("marquez/search", pattern=pattern, by_time=by_time, limit=limit,
                             kinds=[k.value for k in kinds])  # fmt: skip
    return _rows(found)


async def lineage_events(
    graph: Graph,
    *,
    after: datetime | None,
    before: datetime | None,
    ascending: bool,
    offset: int,
    limit: int,
) -> Rows:
    """One event per run of an OpenLineage job, rebuilt from the stored run."""
    found = await graph.read("marquez/lineage_events", after=after, before=before,
                             ascending=ascending, offset=offset, limit=limit)  # fmt: skip
    return _rows(found)
