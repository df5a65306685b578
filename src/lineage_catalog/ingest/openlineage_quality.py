"""Data quality in OpenLineage events: the metrics of `dataQualityMetrics` and the checks of
`dataQualityAssertions` (input dataset facets) and of the `test` run facet.

Read by one set of functions both when an event is planned (the values become observations
of the monitors watching the dataset, services/openlineage_quality.py) and when a dataset
version's quality is read back from the facets stored on the runs' links (GraphQL).
Pure: no web framework and no Neo4j. docs/openlineage.md, "Data quality", lists the metric
names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.ingest.openlineage_facets import (
    DataQualityAssertionsFacet,
    DataQualityMetricsFacet,
    RunTestsFacet,
    Scalar,
    facet,
)

METRICS = "dataQualityMetrics"
ASSERTIONS = "dataQualityAssertions"
TESTS = "test"
FAILED_ASSERTIONS = "failed_assertions"
# A test that neither passed nor was skipped failed (`fail`, and producers' `error`, `warn`).
_PASSED = frozenset({"pass", "passed", "success"})
_SKIPPED = frozenset({"skip", "skipped"})
_COLUMN_METRICS = {"nullCount": "null_count", "distinctCount": "distinct_count", "sum": "sum",
                   "count": "count", "min": "min", "max": "max"}  # fmt: skip
_DATASET_METRICS = {"rowCount": "row_count", "bytes": "bytes", "fileCount": "file_count"}


@dataclass(frozen=True, slots=True)
class Metric:
    """One value a monitor may watch: its metric name, the column (None: the dataset)."""

    name: str
    value: float
    column: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """One assertion or test and its outcome: `status` pass, fail or skip."""

    name: str
    status: str
    column: str | None
    expected: str | None
    actual: str | None
    severity: str | None
    failures: int | None
    source: str  # dataQualityAssertions or test

    @property
    def failed(self) -> bool:
        return self.status == "fail"


@dataclass(frozen=True, slots=True)
class DatasetQuality:
    """What one event reports of one dataset it read (or, for a run that read nothing, wrote):
    `version` is the version key when the event names it (an input's version facet, an
    output), None for an input whose version the catalog resolves."""

    dataset: str
    version: str | None
    metrics: tuple[Metric, ...]
    checks: tuple[Check, ...]


def _text(value: Scalar | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return format(value, "g") if isinstance(value, float) else str(value)


def metrics_of(facets: Mapping[str, Any]) -> list[Metric]:
    """The values of a `dataQualityMetrics` facet under their metric names."""
    found = facet(facets, METRICS, DataQualityMetricsFacet)
    if found is None:
        return []
    metrics = [
        Metric(name, float(value))
        for field, name in _DATASET_METRICS.items()
        if (value := getattr(found, field)) is not None
    ]
    for column, values in sorted((found.columnMetrics or {}).items()):
        for field, name in _COLUMN_METRICS.items():
            value = getattr(values, field)
            if value is not None:
                metrics.append(Metric(name, float(value), column))
        rows = found.rowCount if found.rowCount else values.count
        if values.nullCount is not None and rows:
            metrics.append(Metric("null_rate", values.nullCount / rows, column))
        for quantile, value in sorted((values.quantiles or {}).items()):
            metrics.append(Metric(f"quantile_{quantile}", float(value), column))
    return metrics


def assertions_of(facets: Mapping[str, Any]) -> list[Check]:
    """The checks of a `dataQualityAssertions` facet."""
    found = facet(facets, ASSERTIONS, DataQualityAssertionsFacet)
    checks = []
    for a in found.assertions if found else []:
        extra = a.properties or {}
        expected = a.expected if a.expected is not None else extra.get("expected")
        actual = a.actual if a.actual is not None else extra.get("actual")
        checks.append(Check(
            name=a.assertion, status="pass" if a.success else "fail", column=a.column,
            expected=_text(expected) if _scalar(expected) else None,
            actual=_text(actual) if _scalar(actual) else None, severity=a.severity,
            failures=a.failures, source=ASSERTIONS,
        ))  # fmt: skip
    return checks


def _scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int | float)


def tests_of(run_facets: Mapping[str, Any]) -> list[Check]:
    """The tests of a `test` run facet (they name no column)."""
    found = facet(run_facets, TESTS, RunTestsFacet)
    checks = []
    for t in found.tests if found else []:
        status = t.status.strip().lower()
        outcome = "pass" if status in _PASSED else "skip" if status in _SKIPPED else "fail"
        checks.append(Check(
            name=t.name, status=outcome, column=None, expected=_text(t.expected),
            actual=_text(t.actual), severity=t.severity, failures=None, source=TESTS,
        ))  # fmt: skip
    return checks


def failed_metrics(checks: Sequence[Check]) -> list[Metric]:
    """`failed_assertions`: the failed checks of the dataset, and of each column checked."""
    if not checks:
        return []
    found = [Metric(FAILED_ASSERTIONS, float(sum(c.failed for c in checks)))]
    for column in sorted({c.column for c in checks if c.column is not None}):
        failed = sum(c.failed for c in checks if c.column == column)
        found.append(Metric(FAILED_ASSERTIONS, float(failed), column))
    return found


def check_metrics(input_facets: Mapping[str, Any] | None, *, path: tuple[str | int, ...]) -> None:
    """What the facet models cannot check alone: a column's nulls within its rows."""
    found = facet(input_facets or {}, METRICS, DataQualityMetricsFacet)
    if found is None or (input_facets or {}).get(METRICS, {}).get("_deleted"):
        return
    for column, values in (found.columnMetrics or {}).items():
        for rows, name in ((found.rowCount, "rowCount"), (values.count, "count")):
            if values.nullCount is not None and rows is not None and values.nullCount > rows:
                at = [*path, METRICS, "columnMetrics", column, "nullCount"]
                raise BadInputError(
                    f"{'.'.join(map(str, at))}: {values.nullCount} nulls is more than the "
                    f"{name} {rows:g}",
                    path=at,
                )


def quality_of(
    facets: Mapping[str, Any], run_facets: Mapping[str, Any], *, dataset: str,
    version: str | None, with_tests: bool,
) -> DatasetQuality | None:  # fmt: skip
    """What facets report of one dataset (None: nothing); the run's tests count when
    `with_tests` (they are about every dataset the run read, or wrote if it read none)."""
    checks = assertions_of(facets) + (tests_of(run_facets) if with_tests else [])
    metrics = metrics_of(facets) + failed_metrics(checks)
    if not metrics:
        return None
    return DatasetQuality(dataset, version, tuple(metrics), tuple(checks))
