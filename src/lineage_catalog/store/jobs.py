"""What a job's runs did: its runs newest first (paged, counted), the datasets they read and
wrote; each a batch query for every job of a request."""

from __future__ import annotations

from dataclasses import dataclass, field

from lineage_catalog.domain.model import NodeRecord
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.nodes import to_node


async def job_runs(
    graph: Graph, *, jobs: list[str], after: str | None, limit: int
) -> dict[str, list[NodeRecord]]:
    """For each job uid, at most `limit` of its runs newest first, after the run key `after`
    (None: from the newest); one statement for every job."""
    rows = await graph.read_collected("jobs/job_runs", jobs=jobs, after=after, limit=limit)
    found: dict[str, list[NodeRecord]] = {}
    for row in rows:
        found.setdefault(row["origin"], []).append(to_node(row))
    return found


async def job_run_counts(graph: Graph, *, jobs: list[str]) -> dict[str, int]:
    """For each job uid, how many runs it has (one statement)."""
    rows = await graph.read_collected("jobs/job_run_counts", jobs=jobs)
    return {row["origin"]: int(row["total"]) for row in rows}


@dataclass(frozen=True, slots=True)
class JobDatasets:
    """The datasets a job's runs read (a version of) and wrote, each in key order."""

    inputs: list[NodeRecord] = field(default_factory=list)
    outputs: list[NodeRecord] = field(default_factory=list)


async def job_datasets(graph: Graph, *, jobs: list[str], limit: int) -> dict[str, JobDatasets]:
    """For each job uid, the datasets its runs USED and GENERATED a version of, at most
    `limit` on each side (one statement for every job)."""
    rows = await graph.read_collected("jobs/job_datasets", jobs=jobs, limit=limit)
    found: dict[str, JobDatasets] = {}
    for row in rows:
        sides = found.setdefault(row["origin"], JobDatasets())
        (sides.inputs if row["side"] == "input" else sides.outputs).append(to_node(row))
    return found
