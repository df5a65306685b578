"""Monitoring in GraphQL: monitors, observations, profiles (drift computed by the catalog),
incidents and their lifecycle, `incidents` and `health`. Resolvers translate their input
into the domain's commands and call the use cases (services/monitoring.py, incidents.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from lineage_catalog.api.graphql import incident_links
from lineage_catalog.api.graphql.arguments import After, AsOf, Depth, First, NodeId
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.cost import ANSWER_ITEMS, UNPAGED_LIST_ITEMS
from lineage_catalog.api.graphql.enums import described_enum
from lineage_catalog.api.graphql.incident_links import IncidentCitation
from lineage_catalog.api.graphql.pagination import (
    Connection,
    connection,
    decode_cursor,
    page_size,
    selects,
)
from lineage_catalog.api.graphql.types import CatalogNode, Run, to_type
from lineage_catalog.domain import drift as drift_rules
from lineage_catalog.domain import monitoring as rules
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import MONITORABLE_KINDS, check_key, split_uid
from lineage_catalog.domain.monitoring import (
    BreachDirection,
    IncidentStatus,
    MonitorType,
    Severity,
)
from lineage_catalog.domain.rules import utc
from lineage_catalog.services import incidents as incident_service
from lineage_catalog.services import monitoring as service
from lineage_catalog.services.audit import checked_reason
from lineage_catalog.services.registry import graphql_input
from lineage_catalog.store import monitoring as stored

if TYPE_CHECKING:
    from lineage_catalog.api.graphql.monitoring_reads import (
        IncidentFlag,
        IncidentImpact,
        IncidentPath,
    )
_IncidentImpact = Annotated[
    "IncidentImpact", strawberry.lazy("lineage_catalog.api.graphql.monitoring_reads")
]
_IncidentFlag = Annotated[
    "IncidentFlag", strawberry.lazy("lineage_catalog.api.graphql.monitoring_reads")
]
_IncidentPath = Annotated[
    "IncidentPath", strawberry.lazy("lineage_catalog.api.graphql.monitoring_reads")
]


def _impact_items(**_: int) -> int:
    # One answer whose lists hold a row per deployment, however deep the walk behind it.
    return UNPAGED_LIST_ITEMS


def _walk_items(**_: int) -> int:
    # What a walk finds (flagged nodes, incidents upstream), priced as an unpaged list, not
    # a list per level of the walk.
    return UNPAGED_LIST_ITEMS


GqlMonitorType = described_enum(
    MonitorType, name="MonitorType", description="What a monitor measures.",
    values={
        MonitorType.DATA_DRIFT: "Drift of an input column from its reference (psi or "
        "js_distance; computed by the catalog from profiles).",
        MonitorType.PREDICTION_DRIFT: "Drift of the prediction column from its reference.",
        MonitorType.PERFORMANCE: "A performance metric against delayed ground truth (auc).",
        MonitorType.DATA_QUALITY: "A data-quality metric: null rate, row count, freshness.",
    },
)  # fmt: skip
GqlBreachDirection = described_enum(
    BreachDirection, name="BreachDirection", description="Which side of the threshold breaches.",
    values={
        BreachDirection.ABOVE: "A value above the threshold breaches (drift, null rate).",
        BreachDirection.BELOW: "A value below the threshold breaches (auc, row count).",
    },
)  # fmt: skip
GqlSeverity = described_enum(
    Severity, name="Severity", description="How bad an incident is.",
    values={Severity.LOW: "Low.", Severity.MEDIUM: "Medium.", Severity.HIGH: "High.",
            Severity.CRITICAL: "Critical: act now."},
)  # fmt: skip
GqlIncidentStatus = described_enum(
    IncidentStatus, name="IncidentStatus",
    description="Where an incident is: OPEN -> ACKNOWLEDGED -> RESOLVED, or DISMISSED from "
    "OPEN or ACKNOWLEDGED; RESOLVED and DISMISSED are final.",
    values={
        IncidentStatus.OPEN: "Opened (by a breach or by hand), nobody has taken it yet.",
        IncidentStatus.ACKNOWLEDGED: "Someone took it; still open.",
        IncidentStatus.RESOLVED: "Fixed; closed.",
        IncidentStatus.DISMISSED: "Not a real problem (a false alarm); closed.",
    },
)  # fmt: skip


@strawberry.type(description="A metric watched on a deployment, model version, feature or dataset.")
class Monitor:
    key: str = strawberry.field(description="The monitor's key, e.g. credit-risk-dti-psi.")
    target_id: strawberry.ID = strawberry.field(description="The id of the node it watches.")
    type: GqlMonitorType = strawberry.field(description="What it measures.")  # type: ignore[valid-type]
    metric: str = strawberry.field(description="The metric: psi, js_distance, auc, null_rate, ...")
    column: str | None = strawberry.field(description="The profiled column compared (drift).")
    threshold: float = strawberry.field(description="The value that breaches when passed.")
    direction: GqlBreachDirection = strawberry.field(  # type: ignore[valid-type]
        description="Which side of the threshold breaches."
    )
    severity: GqlSeverity = strawberry.field(  # type: ignore[valid-type]
        description="The severity of the incidents its breaches open."
    )
    window_seconds: int | None = strawberry.field(description="The window each value covers.")
    owner: strawberry.ID | None = strawberry.field(
        description="Who owns it (a person, team or service account); its incidents' assignee."
    )
    reference: str | None = strawberry.field(
        description="What drift compares with: `DatasetVersion:<key>` (its latest profile) or "
        "`Profile:<key>`."
    )
    resolve_after: int | None = strawberry.field(
        description="Observations within the threshold after the last breach that resolve "
        "its open incident; null: resolved by hand only."
    )
    description: str | None = strawberry.field(description="What it is for, in prose.")
    created_at: datetime | None = strawberry.field(description="When it was registered (UTC).")

    @strawberry.field(description="The node it watches.")
    async def target(self, info: Info[Context, None]) -> CatalogNode | None:
        record = await info.context.loaders.node.load(str(self.target_id))
        return to_type(record) if record else None

    @staticmethod
    def from_domain(m: rules.Monitor) -> Monitor:
        return Monitor(
            key=m.key, target_id=strawberry.ID(m.target), type=m.type, metric=m.metric,
            column=m.column, threshold=m.threshold, direction=m.direction, severity=m.severity,
            window_seconds=m.window_s, owner=strawberry.ID(m.owner) if m.owner else None,
            reference=m.reference, resolve_after=m.resolve_after, description=m.description,
            created_at=m.created_at,
        )  # fmt: skip


@strawberry.type(description="A metric value of a monitor at a time.")
class Observation:
    key: str = strawberry.field(description="`<monitor>|<observedAt>`: one per monitor and time.")
    monitor: str = strawberry.field(description="The monitor's key.")
    value: float = strawberry.field(description="The metric's value (finite).")
    observed_at: datetime = strawberry.field(description="When it was measured (UTC).")
    breached: bool = strawberry.field(description="Whether it passed the monitor's threshold.")
    source: str = strawberry.field(
        description=(
            "client (sent as a value), profile (drift computed by the catalog) or "
            "openlineage (a data-quality facet of an OpenLineage event)."
        )
    )
    window_start: datetime | None = strawberry.field(description="Start of the window (UTC).")
    window_end: datetime | None = strawberry.field(description="End of the window (UTC).")
    details: JSON | None = strawberry.field(
        description="What else was sent; for a computed drift: profile, reference_profile, "
        "column and metric."
    )

    @staticmethod
    def from_domain(o: rules.Observation) -> Observation:
        return Observation(
            key=o.key, monitor=o.monitor, value=o.value, observed_at=o.observed_at,
            breached=o.breached, source=o.source, window_start=o.window_start,
            window_end=o.window_end, details=cast(JSON, o.details),
        )  # fmt: skip


@strawberry.type(description="One step of an incident's life: who moved it where, when, why.")
class IncidentTransition:
    status: GqlIncidentStatus = strawberry.field(description="The status it moved to.")  # type: ignore[valid-type]
    at: datetime = strawberry.field(description="When (UTC).")
    by: str = strawberry.field(description="Who: the account's id (a person or an agent).")
    reason: str | None = strawberry.field(description="Why, as given.")
    severity: GqlSeverity = strawberry.field(description="Its severity then.")  # type: ignore[valid-type]
    assignee: str | None = strawberry.field(description="Its assignee then.")


@strawberry.type(description="A problem in production, opened by a breach or by hand.")
class Incident:
    key: str = strawberry.field(description="The incident's key.")
    title: str = strawberry.field(description="What is wrong, in one line.")
    status: GqlIncidentStatus = strawberry.field(description="Where it is now.")  # type: ignore[valid-type]
    severity: GqlSeverity = strawberry.field(description="How bad it is now.")  # type: ignore[valid-type]
    assignee: str | None = strawberry.field(description="Who handles it (an account id).")
    opened_at: datetime = strawberry.field(
        description="When it opened (UTC): an automatic one at its first breach's time."
    )
    opened_by: str = strawberry.field(description="Who opened it (an account id).")
    automatic: bool = strawberry.field(description="Opened by a breach, not by hand.")
    closed_at: datetime | None = strawberry.field(
        description="When it was resolved or dismissed (UTC); null while open."
    )
    last_breach_at: datetime | None = strawberry.field(description="Its latest breach (UTC).")
    breaches: int = strawberry.field(description="How many breaching observations it holds.")
    monitor: str | None = strawberry.field(description="The monitor that raised it, if any.")
    about: list[CatalogNode] = strawberry.field(description="What it is about.")
    evidence: list[Observation] = strawberry.field(
        description="Its breaching observations, newest first, at most 100."
    )
    evidence_count: int = strawberry.field(description="How many observations are evidence.")
    history: list[IncidentTransition] = strawberry.field(
        description="Every transition, oldest first, each with its reason."
    )
    domain: strawberry.Private[rules.Incident]

    @strawberry.field(
        description="The predictions made while it was open ([openedAt, closedAt), or up to "
        "now) by the deployments it is about (every one), and elsewhere by the model "
        "versions it affects (about them, or downstream of what it is about, to `depth` run "
        "levels): per deployment a count and the first and last times, never the rows. At "
        "most three statements for every incident of a request.",
        metadata={ANSWER_ITEMS: _impact_items},
    )
    async def impact(self, info: Info[Context, None], depth: Depth = None) -> _IncidentImpact:
        from lineage_catalog.api.graphql.monitoring_reads import incident_impact

        return await incident_impact(info, self.domain, depth)

    @strawberry.field(
        description="What it flags downstream, computed at query time as classifications "
        "are: every model version downstream of what it is about (a model trained on a "
        "dataset version it is about, and on), and every deployment serving one of those "
        "(or a version it is about) at asOf, each with the lineage path to it. Model "
        "versions first, nearest first. At most three statements for every incident of a "
        "request.",
        metadata={ANSWER_ITEMS: _walk_items},
    )
    async def flags(
        self, info: Info[Context, None], depth: Depth = None, as_of: AsOf = None
    ) -> list[_IncidentFlag]:
        from lineage_catalog.api.graphql.monitoring_reads import incident_flags

        at = _time(as_of, ["asOf"])
        return await incident_flags(info, self.domain, depth, at)

    @strawberry.field(
        description="The runs recorded as addressing it (RunInput.addresses), e.g. the "
        "retraining run."
    )
    async def addressed_by(self, info: Info[Context, None]) -> list[Run]:
        return await incident_links.addressed_by(info, self.key)

    @strawberry.field(
        description="The lifecycle changes that cited it (promotion requests and approvals, "
        "deployments, promotions to champion, rollbacks), oldest first."
    )
    async def cited_by(self, info: Info[Context, None]) -> list[IncidentCitation]:
        return await incident_links.cited_by(info, self.key)

    @strawberry.field(
        description="What its resolution points at as having fixed it: a model version or "
        "a deployment (transitionIncident fixedBy)."
    )
    async def fixed_by(self, info: Info[Context, None]) -> list[CatalogNode]:
        return await incident_links.fixed_by(info, self.key)

    @staticmethod
    def from_domain(i: rules.Incident) -> Incident:
        return Incident(
            key=i.key, title=i.title, status=i.status, severity=i.severity,
            assignee=i.assignee, opened_at=i.opened_at, opened_by=i.opened_by,
            automatic=i.automatic, closed_at=i.closed_at, last_breach_at=i.last_breach_at,
            breaches=i.breaches, monitor=i.monitor, about=[to_type(n) for n in i.about],
            evidence=[Observation.from_domain(o) for o in i.evidence],
            evidence_count=i.evidence_count,
            history=[IncidentTransition(status=t.status, at=t.at, by=t.by, reason=t.reason,
                                        severity=t.severity, assignee=t.assignee)
                     for t in i.history],
            domain=i,
        )  # fmt: skip


@strawberry.type(description="A category's count in a column profile.")
class CategoryCount:
    value: str = strawberry.field(description="The category.")
    count: int = strawberry.field(description="How many non-null values are it.")


@strawberry.type(description="One column's summary in a profile.")
class ColumnProfile:
    name: str = strawberry.field(description="The column.")
    count: int = strawberry.field(description="Values, nulls included.")
    nulls: int = strawberry.field(description="Null values.")
    min: float | None = strawberry.field(description="The smallest value (numbers).")
    max: float | None = strawberry.field(description="The largest value (numbers).")
    bin_edges: list[float] | None = strawberry.field(description="Histogram bin edges.")
    bin_counts: list[int] | None = strawberry.field(description="Non-null values per bin.")
    categories: list[CategoryCount] | None = strawberry.field(description="Counts per category.")


@strawberry.type(description="A per-column summary of a dataset version or a window of inputs.")
class Profile:
    key: str = strawberry.field(description="The profile's key.")
    subject: strawberry.ID = strawberry.field(description="The id of what it summarises.")
    observed_at: datetime = strawberry.field(description="When it was taken (UTC).")
    window_start: datetime | None = strawberry.field(description="Start of the window (UTC).")
    window_end: datetime | None = strawberry.field(description="End of the window (UTC).")
    columns: list[ColumnProfile] = strawberry.field(description="Its columns.")

    @staticmethod
    def from_domain(p: stored.Profile) -> Profile:
        columns = [
            ColumnProfile(
                name=c.name, count=c.count, nulls=c.nulls, min=c.min, max=c.max,
                bin_edges=None if c.bin_edges is None else list(c.bin_edges),
                bin_counts=None if c.bin_counts is None else list(c.bin_counts),
                categories=None if c.categories is None else [
                    CategoryCount(value=k, count=v) for k, v in sorted(c.categories.items())],
            )
            for c in p.columns
        ]  # fmt: skip
        return Profile(
            key=p.key, subject=strawberry.ID(p.subject), observed_at=p.observed_at,
            window_start=p.window_start, window_end=p.window_end, columns=columns,
        )  # fmt: skip


@strawberry.type(description="A monitor and its latest value at the health's time.")
class MonitorHealth:
    monitor: Monitor = strawberry.field(description="The monitor.")
    latest: Observation | None = strawberry.field(
        description="Its latest observation at or before asOf; null: none yet."
    )
    breached: bool = strawberry.field(description="Whether that latest value breaches.")


@strawberry.type(description="How a node stands at a time: its monitors and open incidents.")
class Health:
    target: CatalogNode = strawberry.field(description="The node.")
    as_of: datetime = strawberry.field(description="The time it is answered for (UTC).")
    healthy: bool = strawberry.field(
        description="No incident open and no monitor's latest value breaching at asOf."
    )
    monitors: list[MonitorHealth] = strawberry.field(
        description="The monitors watching it (registered by asOf), by key."
    )
    open_incidents: list[Incident] = strawberry.field(
        description="The incidents about it open at asOf, newest first (status: their current)."
    )


def health_type(found: stored.Health, at: datetime) -> Health:
    """A node's health at `at` as the API answers it."""
    monitors = [
        MonitorHealth(monitor=Monitor.from_domain(m.monitor),
                      latest=Observation.from_domain(m.latest) if m.latest else None,
                      breached=bool(m.latest and m.latest.breached))
        for m in found.monitors
    ]  # fmt: skip
    return Health(
        target=to_type(found.target),
        as_of=at,
        monitors=monitors,
        healthy=not found.incidents and not any(m.breached for m in monitors),
        open_incidents=[Incident.from_domain(i) for i in found.incidents],
    )


@strawberry.type(description="What recordObservation wrote.")
class ObservationPayload:
    observation: Observation | None = strawberry.field(
        description="The observation; null when this monitor and time were stored already "
        "with this value (nothing changed)."
    )
    incidents: list[Incident] = strawberry.field(
        description="The incidents it opened, extended or resolved."
    )


@strawberry.type(description="What recordProfile wrote.")
class ProfilePayload:
    profile: Profile = strawberry.field(description="The profile.")
    observations: list[Observation] = strawberry.field(
        description="The drift computed for each drift monitor it feeds, as observations."
    )
    incidents: list[Incident] = strawberry.field(
        description="The incidents those observations opened, extended or resolved."
    )


@strawberry.input(description="A monitor to register; the same key again updates it.")
class MonitorInput:
    key: str = strawberry.field(description="The monitor's key, e.g. credit-risk-dti-psi.")
    target: strawberry.ID = strawberry.field(
        description="What it watches: a Deployment, ModelVersion, Feature, Dataset or "
        "DatasetVersion id; fixed once registered."
    )
    type: GqlMonitorType = strawberry.field(description="What it measures; fixed.")  # type: ignore[valid-type]
    metric: str = strawberry.field(
        description="The metric, fixed: psi or js_distance for drift; any name otherwise."
    )
    threshold: float = strawberry.field(description="The value that breaches when passed.")
    direction: GqlBreachDirection = strawberry.field(  # type: ignore[valid-type]
        default=BreachDirection.ABOVE, description="Default ABOVE."
    )
    severity: GqlSeverity = strawberry.field(  # type: ignore[valid-type]
        default=Severity.MEDIUM, description="Of the incidents it opens; default MEDIUM."
    )
    column: str | None = strawberry.field(
        default=None, description="The profiled column it compares; required for drift."
    )
    window_seconds: int | None = strawberry.field(
        default=None, description="The window each value covers, in seconds."
    )
    owner: strawberry.ID | None = strawberry.field(
        default=None, description="A Person, Team or ServiceAccount id; default the caller."
    )
    reference: str | None = strawberry.field(
        default=None,
        description="Required for drift: `DatasetVersion:<key>` (the training "
        "data; its latest profile) or `Profile:<key>`.",
    )
    resolve_after: int | None = strawberry.field(
        default=None,
        description="Observations within the threshold after the last breach "
        "that resolve its open incident; null: by hand only.",
    )
    description: str | None = strawberry.field(default=None, description="What it is for.")
    reason: str | None = strawberry.field(default=None, description="Why; kept on the audit.")


@strawberry.input(
    description="A metric value of a monitor; the same monitor and time again "
    "changes nothing (another value there is refused)."
)
class ObservationInput:
    monitor: str = strawberry.field(description="The monitor's key.")
    value: float = strawberry.field(description="The value; finite.")
    observed_at: datetime | None = strawberry.field(default=None, description="Default now.")
    window_start: datetime | None = strawberry.field(default=None, description="Window start.")
    window_end: datetime | None = strawberry.field(default=None, description="Window end.")
    details: JSON | None = strawberry.field(default=None, description="A JSON object, kept.")


@strawberry.input(description="A category's count.")
class CategoryCountInput:
    value: str = strawberry.field(description="The category.")
    count: int = strawberry.field(description="Its non-null values.")


@strawberry.input(description="One column's summary: a histogram (numbers) or categories.")
class ColumnProfileInput:
    name: str = strawberry.field(description="The column.")
    count: int = strawberry.field(description="Values, nulls included.")
    nulls: int = strawberry.field(default=0, description="Null values; default 0.")
    min: float | None = strawberry.field(default=None, description="The smallest value.")
    max: float | None = strawberry.field(default=None, description="The largest value.")
    bin_edges: list[float] | None = strawberry.field(
        default=None, description="Strictly increasing edges; drift needs the reference's."
    )
    bin_counts: list[int] | None = strawberry.field(
        default=None, description="Values per bin (len(binEdges) - 1), summing to count - nulls."
    )
    categories: list[CategoryCountInput] | None = strawberry.field(
        default=None, description="Counts per category, summing to count - nulls."
    )


@strawberry.input(description="A profile to store; the catalog computes the drift it implies.")
class ProfileInput:
    key: str = strawberry.field(description="The profile's key; the same content again is a no-op.")
    subject: strawberry.ID = strawberry.field(
        description="What it summarises: a DatasetVersion, or a Deployment or ModelVersion "
        "(a window of its production inputs)."
    )
    columns: list[ColumnProfileInput] = strawberry.field(description="Its columns.")
    observed_at: datetime | None = strawberry.field(default=None, description="Default now.")
    window_start: datetime | None = strawberry.field(default=None, description="Window start.")
    window_end: datetime | None = strawberry.field(default=None, description="Window end.")
    reason: str | None = strawberry.field(default=None, description="Why; kept on the audit.")


@strawberry.input(description="An incident opened by hand.")
class OpenIncidentInput:
    targets: list[strawberry.ID] = strawberry.field(
        description="What it is about: Deployment, ModelVersion, Feature, Dataset or "
        "DatasetVersion ids."
    )
    title: str = strawberry.field(description="What is wrong, in one line.")
    reason: str = strawberry.field(description="Why it is opened; required.")
    severity: GqlSeverity = strawberry.field(default=Severity.MEDIUM, description="Default MEDIUM.")  # type: ignore[valid-type]
    key: str | None = strawberry.field(default=None, description="Default incident-<random>.")
    assignee: strawberry.ID | None = strawberry.field(default=None, description="An account id.")
    monitor: str | None = strawberry.field(
        default=None, description="A monitor whose breaches then extend this incident."
    )
    opened_at: datetime | None = strawberry.field(default=None, description="Default now.")


@strawberry.input(description="A move of an incident to another status.")
class TransitionIncidentInput:
    incident: str = strawberry.field(description="The incident's key.")
    status: GqlIncidentStatus = strawberry.field(  # type: ignore[valid-type]
        description="ACKNOWLEDGED, RESOLVED or DISMISSED, as the current status allows."
    )
    reason: str = strawberry.field(description="Why; required, kept on the audit event.")
    severity: GqlSeverity | None = strawberry.field(default=None, description="A new severity.")  # type: ignore[valid-type]
    assignee: strawberry.ID | None = strawberry.field(default=None, description="A new assignee.")
    fixed_by: strawberry.ID | None = strawberry.field(
        default=None,
        description="With RESOLVED: what fixed it, a ModelVersion:<key> (the retrained "
        "version) or a Deployment:<key> (a rollback there); served as Incident.fixedBy.",
    )


def _time(value: datetime | None, path: list[str | int]) -> datetime | None:
    return None if value is None else utc(value, path=path)


def _column(c: ColumnProfileInput, i: int) -> drift_rules.ColumnProfile:
    path: list[str | int] = ["input", "columns", i]
    categories = None
    if c.categories is not None:
        categories = {}
        for j, cat in enumerate(c.categories):
            if cat.value in categories:
                raise BadInputError("a category listed twice", path=[*path, "categories", j])
            categories[cat.value] = cat.count
    return drift_rules.column_profile(
        name=c.name, count=c.count, nulls=c.nulls, min=c.min, max=c.max, bin_edges=c.bin_edges,
        bin_counts=c.bin_counts, categories=categories, path=path,
    )  # fmt: skip


def _profile(p: ProfileInput) -> stored.Profile:
    if not p.columns or len(p.columns) > drift_rules.MAX_COLUMNS:
        raise BadInputError(
            f"a profile has 1 to {drift_rules.MAX_COLUMNS} columns", path=["input", "columns"]
        )
    columns = tuple(_column(c, i) for i, c in enumerate(p.columns))
    names = [c.name for c in columns]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise BadInputError("a column listed twice", path=["input", "columns", i, "name"])
    return stored.Profile(
        key=check_key(p.key, path=["input", "key"]), subject=str(p.subject),
        observed_at=_time(p.observed_at, ["input", "observedAt"]) or datetime.now(UTC),
        columns=columns, window_start=_time(p.window_start, ["input", "windowStart"]),
        window_end=_time(p.window_end, ["input", "windowEnd"]),
    )  # fmt: skip


async def _incidents(info: Info[Context, None], keys: list[str]) -> list[Incident]:
    if not keys:
        return []
    found = await stored.incidents_by_key(info.context.graph, keys=keys)
    return [Incident.from_domain(i) for i in found]


def _cursor(incident: rules.Incident) -> str:
    return f"{incident.opened_at.isoformat()}|{incident.key}"


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    text = decode_cursor(cursor)
    if not text:
        return None
    when, sep, key = text.partition("|")
    try:
        if sep and key:
            return datetime.fromisoformat(when), key
    except ValueError:
        pass
    raise BadInputError("malformed cursor", path=["after"])


Since = Annotated[
    datetime | None,
    strawberry.argument(description="Only incidents still open at or after this time (UTC)."),
]
Until = Annotated[
    datetime | None,
    strawberry.argument(description="Only incidents opened before this time (UTC)."),
]


@strawberry.type
class MonitoringQuery:
    """Monitoring reads join the Query root through this mixin."""

    @strawberry.field(description="A monitor by key; null when there is none.")
    async def monitor(
        self, info: Info[Context, None],
        key: Annotated[str, strawberry.argument(description="The monitor's key.")],
    ) -> Monitor | None:  # fmt: skip
        found = await stored.monitors_by_key(info.context.graph, keys=[key])
        return Monitor.from_domain(found[0][0]) if found else None

    @strawberry.field(description="An incident by key; null when there is none.")
    async def incident(
        self, info: Info[Context, None],
        key: Annotated[str, strawberry.argument(description="The incident's key.")],
    ) -> Incident | None:  # fmt: skip
        found = await incident_service.incident(info.context.graph, key=key)
        return Incident.from_domain(found) if found else None

    @strawberry.field(
        description="Incidents, newest opened first, filtered; one statement a page (and one "
        "for totalCount when selected)."
    )
    async def incidents(
        self,
        info: Info[Context, None],
        status: Annotated[
            list[GqlIncidentStatus] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only these statuses; null: all."),
        ] = None,
        target: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only incidents about this node id."),
        ] = None,
        severity: Annotated[
            list[GqlSeverity] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only these severities; null: all."),
        ] = None,
        since: Since = None,
        until: Until = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Incident]:
        limit = page_size(first, info.context.settings)
        if target is not None:
            split_uid(str(target), path=["target"])
        where = stored.IncidentFilter(
            statuses=[IncidentStatus(s).value for s in status] if status else None,
            severities=[Severity(s).value for s in severity] if severity else None,
            target=str(target) if target else None,
            since=_time(since, ["since"]), until=_time(until, ["until"]),
        )  # fmt: skip
        cursor = _after(after)
        found, has_next = await stored.incidents_page(
            info.context.graph, where=where, after=cursor, limit=limit
        )
        total = None
        if selects(info, "totalCount"):
            total = await stored.incidents_count(info.context.graph, where=where)
        items = [(_cursor(i), Incident.from_domain(i)) for i in found]
        return connection(items, has_next=has_next, after=after or "", total=total)

    @strawberry.field(
        description="The incidents open at asOf (now) about a node or anything upstream of "
        "it (a deployment: through the versions it serves then; a Dataset, Model or Job: "
        "through its versions or runs), each with the lineage path from the node to what it "
        "is about, as classificationsUpstream answers for classifications: how a "
        "data-quality incident on a dataset version flags the models and deployments "
        "downstream. Nearest first; besides the walk, one statement (two from a "
        "deployment, a Dataset, Model or Job).",
        metadata={ANSWER_ITEMS: _walk_items},
    )
    async def incidents_upstream(
        self, info: Info[Context, None], id: NodeId, depth: Depth = None, as_of: AsOf = None
    ) -> list[_IncidentPath]:
        from lineage_catalog.api.graphql.monitoring_reads import incidents_upstream

        split_uid(str(id), path=["id"])
        return await incidents_upstream(info, id=str(id), depth=depth, as_of=_time(as_of, ["asOf"]))

    @strawberry.field(
        description="How a node stands at a time: each monitor watching it with its latest "
        "value, and the incidents about it open then (one statement); null: no such node."
    )
    async def health(
        self, info: Info[Context, None], target: NodeId, as_of: AsOf = None
    ) -> Health | None:
        split_uid(str(target), path=["target"])
        at = _time(as_of, ["asOf"]) or datetime.now(UTC)
        found = await incident_service.health(
            info.context.graph, target=str(target), at=at, limit=info.context.settings.max_page_size
        )
        return health_type(found, at) if found is not None else None


@strawberry.type
class MonitoringMutation:
    """Monitoring changes join the Mutation root through this mixin."""

    @strawberry.mutation(description="Register or update a monitor (audited).")
    async def register_monitor(
        self, info: Info[Context, None],
        input: Annotated[MonitorInput, strawberry.argument(description="The monitor.")],
    ) -> Monitor:  # fmt: skip
        actor = info.context.actor
        monitor = rules.monitor(
            key=input.key, target=str(input.target), type=MonitorType(input.type),
            metric=input.metric, threshold=input.threshold,
            direction=BreachDirection(input.direction), severity=Severity(input.severity),
            column=input.column, window_s=input.window_seconds,
            owner=str(input.owner) if input.owner else _default_owner(actor.uid),
            reference=input.reference, resolve_after=input.resolve_after,
            description=input.description, at=graphql_input,
        )  # fmt: skip
        found = await service.register_monitor(
            info.context.graph, actor=actor, monitor=monitor,
            reason=checked_reason(input.reason, path=["input", "reason"], required=False),
        )  # fmt: skip
        return Monitor.from_domain(found)

    @strawberry.mutation(
        description="Record a monitor's value; a breach opens an incident or extends the open one."
    )
    async def record_observation(
        self, info: Info[Context, None],
        input: Annotated[ObservationInput, strawberry.argument(description="The value.")],
    ) -> ObservationPayload:  # fmt: skip
        command = rules.observation(
            monitor=input.monitor, value=input.value,
            observed_at=input.observed_at or datetime.now(UTC), window_start=input.window_start,
            window_end=input.window_end, details=input.details, at=graphql_input,
        )  # fmt: skip
        written, touched = await service.record_observation(
            info.context.graph, actor=info.context.actor, command=command
        )
        return ObservationPayload(
            observation=Observation.from_domain(written) if written else None,
            incidents=await _incidents(info, touched),
        )

    @strawberry.mutation(
        description="Store a profile; for each drift monitor it feeds, the catalog computes "
        "PSI or Jensen-Shannon distance against the reference and records it."
    )
    async def record_profile(
        self, info: Info[Context, None],
        input: Annotated[ProfileInput, strawberry.argument(description="The profile.")],
    ) -> ProfilePayload:  # fmt: skip
        profile, observations, touched = await service.record_profile(
            info.context.graph, actor=info.context.actor, profile=_profile(input),
            reason=checked_reason(input.reason, path=["input", "reason"], required=False),
        )  # fmt: skip
        return ProfilePayload(
            profile=Profile.from_domain(profile),
            observations=[Observation.from_domain(o) for o in observations],
            incidents=await _incidents(info, touched),
        )

    @strawberry.mutation(description="Open an incident by hand (reason required).")
    async def open_incident(
        self, info: Info[Context, None],
        input: Annotated[OpenIncidentInput, strawberry.argument(description="The incident.")],
    ) -> Incident:  # fmt: skip
        reason = checked_reason(input.reason, path=["input", "reason"], required=True) or ""
        if not input.targets:
            raise BadInputError("an incident is about at least one node", path=["input", "targets"])
        targets = [
            rules.target_of(str(t), kinds=MONITORABLE_KINDS, what="the subject of an incident",
                            path=["input", "targets", i])
            for i, t in enumerate(input.targets)
        ]  # fmt: skip
        title = (input.title or "").strip()
        if not title:
            raise BadInputError("an incident needs a title", path=["input", "title"])
        found = await incident_service.open_incident(
            info.context.graph, actor=info.context.actor, targets=targets, title=title,
            severity=Severity(input.severity), reason=reason,
            key=check_key(input.key, path=["input", "key"]) if input.key else None,
            assignee=str(input.assignee) if input.assignee else None,
            monitor=check_key(input.monitor, path=["input", "monitor"]) if input.monitor else None,
            opened_at=_time(input.opened_at, ["input", "openedAt"]),
        )  # fmt: skip
        return Incident.from_domain(found)

    @strawberry.mutation(
        description="Move an incident: OPEN -> ACKNOWLEDGED -> RESOLVED, or DISMISSED; a "
        "reason every time, each one audited."
    )
    async def transition_incident(
        self, info: Info[Context, None],
        input: Annotated[TransitionIncidentInput, strawberry.argument(description="The move.")],
    ) -> Incident:  # fmt: skip
        reason = checked_reason(input.reason, path=["input", "reason"], required=True) or ""
        change = rules.IncidentChange(
            status=IncidentStatus(input.status), reason=reason,
            severity=Severity(input.severity) if input.severity else None,
            assignee=str(input.assignee) if input.assignee else None,
        )  # fmt: skip
        found = await incident_service.transition_incident(
            info.context.graph, actor=info.context.actor,
            key=check_key(input.incident, path=["input", "incident"]), change=change,
            fixed_by=str(input.fixed_by) if input.fixed_by is not None else None,
        )  # fmt: skip
        return Incident.from_domain(found)


def _default_owner(actor: str) -> str | None:
    kind, _ = split_uid(actor)
    return actor if kind in rules.AGENT_OWNER_KINDS else None
