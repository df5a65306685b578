"""DatasetVersion.qualityChecks and qualityMetrics: what OpenLineage events reported of a
version's quality (dataQualityAssertions and dataQualityMetrics input facets, the `test`
run facet), read from the facets stored on the runs' links. One statement for every
version of a request (a per-request DataLoader, renewed with the request's Loaders)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from weakref import WeakKeyDictionary

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.loaders import Loaders
from lineage_catalog.domain.model import Kind, NodeRecord, uid
from lineage_catalog.store import openlineage_quality as stored

if TYPE_CHECKING:
    from lineage_catalog.api.graphql.types import Run
_Run = Annotated["Run", strawberry.lazy("lineage_catalog.api.graphql.types")]


async def _run(info: Info[Context, None], run_id: str) -> _Run | None:
    from lineage_catalog.api.graphql.types import to_type

    record = await info.context.loaders.node.load(uid(Kind.RUN, run_id))
    return to_type(record) if record is not None else None  # type: ignore[return-value]


@strawberry.type(
    description="A data-quality check an OpenLineage event reported about a dataset version: "
    "an assertion of its reader's dataQualityAssertions input facet, or a test of the "
    "reading run's `test` run facet (of the writing run, when it read nothing)."
)
class QualityCheck:
    name: str = strawberry.field(description="The assertion (e.g. not_null) or test name.")
    status: str = strawberry.field(description="pass, fail or skip.")
    column: str | None = strawberry.field(description="The column checked; null: the dataset.")
    expected: str | None = strawberry.field(description="The expected value, as reported.")
    actual: str | None = strawberry.field(description="The actual value, as reported.")
    severity: str | None = strawberry.field(description="The configured severity (error, warn).")
    failures: int | None = strawberry.field(description="Rows that failed it, when reported.")
    source: str = strawberry.field(description="dataQualityAssertions or test: the facet.")
    run_id: str = strawberry.field(description="The runId of the run that reported it.")
    reported_at: datetime | None = strawberry.field(
        description="The eventTime of the event that last reported the facet (UTC)."
    )

    @strawberry.field(description="The run that reported it.")
    async def run(self, info: Info[Context, None]) -> _Run | None:
        return await _run(info, self.run_id)


@strawberry.type(
    description="A data-quality metric an OpenLineage event's dataQualityMetrics input facet "
    "reported about a dataset version, under the name a DATA_QUALITY monitor watches."
)
class QualityMetric:
    metric: str = strawberry.field(
        description="row_count, bytes, file_count; per column null_count, null_rate, "
        "distinct_count, sum, count, min, max, quantile_<q>."
    )
    column: str | None = strawberry.field(description="The column; null: the dataset.")
    value: float = strawberry.field(description="The value reported.")
    run_id: str = strawberry.field(description="The runId of the run that reported it.")
    reported_at: datetime | None = strawberry.field(
        description="The eventTime of the event that last reported the facet (UTC)."
    )


class _QualityLoaders:
    def __init__(self, context: Context) -> None:
        graph, limit = context.graph, context.settings.max_page_size

        async def load(uids: Sequence[str]) -> list[stored.VersionQuality]:
            found = await stored.quality_of_versions(graph, uids=uids, limit=limit)
            return [found.get(u, stored.VersionQuality()) for u in uids]

        self.of_versions: DataLoader[str, stored.VersionQuality] = DataLoader(load_fn=load)


_BY_REQUEST: WeakKeyDictionary[Loaders, _QualityLoaders] = WeakKeyDictionary()


async def _quality(info: Info[Context, None], version: NodeRecord) -> stored.VersionQuality | None:
    from lineage_catalog.api.graphql.types import may_read  # imports this module

    # The checks and metrics are facets of the version's readers: restricted like `facets`.
    if not await may_read(info, version.uid, "facets", logged_as="quality"):
        return None
    loaders = _BY_REQUEST.get(info.context.loaders)
    if loaders is None:
        loaders = _BY_REQUEST[info.context.loaders] = _QualityLoaders(info.context)
    return await loaders.of_versions.load(version.uid)


async def quality_checks(
    info: Info[Context, None], version: NodeRecord, *, failed_only: bool
) -> list[QualityCheck] | None:
    """The checks reported about a version, newest report first; null when restricted."""
    found = await _quality(info, version)
    if found is None:
        return None
    checks = [
        QualityCheck(
            name=c.name, status=c.status, column=c.column, expected=c.expected,
            actual=c.actual, severity=c.severity, failures=c.failures, source=c.source,
            run_id=r.run, reported_at=at,
        )
        for r in found.reports
        for c, at in r.checks
        if c.failed or not failed_only
    ]  # fmt: skip
    checks.sort(key=lambda c: (c.reported_at is not None, c.reported_at), reverse=True)
    return checks


async def quality_metrics(
    info: Info[Context, None], version: NodeRecord
) -> list[QualityMetric] | None:
    """The metrics reported about a version, newest report first; null when restricted."""
    found = await _quality(info, version)
    if found is None:
        return None
    metrics = [
        QualityMetric(metric=m.name, column=m.column, value=m.value, run_id=r.run, reported_at=at)
        for r in found.reports
        for m, at in r.metrics
    ]
    metrics.sort(key=lambda m: (m.reported_at is not None, m.reported_at), reverse=True)
    return metrics
