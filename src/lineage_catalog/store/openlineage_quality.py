"""The data-quality reports OpenLineage left about dataset versions, read back from the
facets stored on the runs' links (graph/queries/openlineage/quality_of_versions.cypher)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lineage_catalog.ingest.openlineage_quality import (
    ASSERTIONS,
    METRICS,
    TESTS,
    Check,
    Metric,
    assertions_of,
    metrics_of,
    tests_of,
)
from lineage_catalog.store.graph import Graph


@dataclass(frozen=True, slots=True)
class QualityReport:
    """One run's report about a version: its checks and metrics, and when each facet was
    reported (the eventTime of the event that last reported it)."""

    run: str
    checks: tuple[tuple[Check, datetime | None], ...] = ()
    metrics: tuple[tuple[Metric, datetime | None], ...] = ()


@dataclass(frozen=True, slots=True)
class VersionQuality:
    reports: list[QualityReport] = field(default_factory=list)


def _json(value: Any) -> dict[str, Any]:
    found = json.loads(value) if isinstance(value, str) else None
    return found if isinstance(found, dict) else {}


def _reported(stamps: Mapping[str, Any], name: str) -> datetime | None:
    # A facet's stamp is "<rank>|<UTC time>" (services/openlineage.stamp).
    mark = stamps.get(name)
    if not isinstance(mark, str) or "|" not in mark:
        return None
    return datetime.strptime(mark.partition("|")[2], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _report(row: Mapping[str, Any]) -> QualityReport | None:
    facets, stamps = _json(row.get("facets")), _json(row.get("stamps"))
    run_facets, run_stamps = _json(row.get("run_facets")), _json(row.get("run_stamps"))
    asserted = _reported(stamps, ASSERTIONS)
    tested = _reported(run_stamps, TESTS)
    checks = [(c, asserted) for c in assertions_of(facets)]
    checks += [(c, tested) for c in tests_of(run_facets)]
    measured = _reported(stamps, METRICS)
    metrics = [(m, measured) for m in metrics_of(facets)]
    if not checks and not metrics:
        return None
    return QualityReport(str(row["run"]), tuple(checks), tuple(metrics))


async def quality_of_versions(
    graph: Graph, *, uids: Sequence[str], limit: int
) -> dict[str, VersionQuality]:
    """The reports about each version among uids (one statement), by uid."""
    rows = await graph.read_collected(
        "openlineage/quality_of_versions", uids=list(uids), limit=limit
    )
    found = {}
    for row in rows:
        reports = [r for r in map(_report, [*row["reads"], *row["writes"]]) if r is not None]
        found[row["uid"]] = VersionQuality(reports)
    return found
