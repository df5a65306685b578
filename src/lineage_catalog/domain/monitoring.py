"""Monitoring's vocabulary: monitors, observations, profiles and incidents, and the rules
every interface applies to them (GraphQL, bulk rows, the SDK) before anything is written.

Monitors, observations, profiles and incidents are governance records, like approvals:
nodes labelled from MonitoringLabel (never :Node), linked to the catalog nodes they are
about by MonitoringRel, so no generic catalog query (search, lineage, the explorer) walks
into them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import MONITORABLE_KINDS, Kind, check_key, split_uid, uid
from lineage_catalog.domain.rules import json_object, utc

Path = list[str | int]
At = Callable[[str], Path]


class MonitorType(StrEnum):
    """What a monitor measures."""

    DATA_DRIFT = "data_drift"
    PREDICTION_DRIFT = "prediction_drift"
    PERFORMANCE = "performance"
    DATA_QUALITY = "data_quality"


DRIFT_TYPES = frozenset({MonitorType.DATA_DRIFT, MonitorType.PREDICTION_DRIFT})


class DriftMetric(StrEnum):
    """The drift measures the catalog computes from profiles (docs/monitoring.md)."""

    PSI = "psi"
    JS_DISTANCE = "js_distance"


class BreachDirection(StrEnum):
    """Which side of the threshold is a breach."""

    ABOVE = "above"  # value > threshold breaches (drift, null rate, staleness)
    BELOW = "below"  # value < threshold breaches (AUC, row count)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


OPEN_STATUSES = frozenset({IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED})
# Where an incident may go from each status; resolved and dismissed are final.
INCIDENT_TRANSITIONS: Mapping[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.OPEN: frozenset(
        {IncidentStatus.ACKNOWLEDGED, IncidentStatus.RESOLVED, IncidentStatus.DISMISSED}
    ),
    IncidentStatus.ACKNOWLEDGED: frozenset({IncidentStatus.RESOLVED, IncidentStatus.DISMISSED}),
    IncidentStatus.RESOLVED: frozenset(),
    IncidentStatus.DISMISSED: frozenset(),
}
# What a profile may describe: a dataset version, or a window of production inputs.
PROFILE_SUBJECT_KINDS = frozenset({Kind.DATASET_VERSION, Kind.DEPLOYMENT, Kind.MODEL_VERSION})
AGENT_OWNER_KINDS = frozenset({Kind.PERSON, Kind.TEAM, Kind.SERVICE_ACCOUNT})


def finite(value: Any, *, path: Path) -> float:
    """A finite number (not NaN, not an infinity, not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInputError(f"expected a number, got {value!r}", path=path)
    if not math.isfinite(value):
        raise BadInputError(f"{value} is not a finite number", path=path)
    return float(value)


def target_of(value: str, *, kinds: frozenset[Kind], what: str, path: Path) -> str:
    """A node id whose kind is one of `kinds`, else BadInputError naming the field."""
    kind, key = split_uid(value, path=path)
    if kind not in kinds:
        names = ", ".join(sorted(k.value for k in kinds))
        raise BadInputError(f"a {kind.value} cannot be {what} (only {names})", path=path)
    return uid(kind, key)


@dataclass(frozen=True, slots=True)
class Monitor:
    """A monitor as stored: what it watches, how a value breaches, what it compares with."""

    key: str
    target: str  # uid
    type: MonitorType
    metric: str
    threshold: float
    direction: BreachDirection
    severity: Severity
    column: str | None = None
    window_s: int | None = None
    owner: str | None = None  # an agent's uid
    reference: str | None = None  # DatasetVersion:<key> or Profile:<key>
    resolve_after: int | None = None
    description: str | None = None
    created_at: datetime | None = None

    def breaches(self, value: float) -> bool:
        if self.direction is BreachDirection.ABOVE:
            return value > self.threshold
        return value < self.threshold

    @property
    def computes_drift(self) -> bool:
        return self.type in DRIFT_TYPES and self.metric in set(DriftMetric)

    def props(self) -> dict[str, Any]:
        """The stored properties (target and reference are links as well)."""
        return {
            "key": self.key, "target": self.target, "type": self.type.value,
            "metric": self.metric, "threshold": self.threshold,
            "direction": self.direction.value, "severity": self.severity.value,
            "column": self.column, "window_s": self.window_s, "owner": self.owner,
            "reference": self.reference, "resolve_after": self.resolve_after,
            "description": self.description,
        }  # fmt: skip


REFERENCE_KINDS = "DatasetVersion:<key> or Profile:<key>"


def monitor(
    *, key: str, target: str, type: MonitorType, metric: str, threshold: Any,
    direction: BreachDirection, severity: Severity, column: str | None, window_s: int | None,
    owner: str | None, reference: str | None, resolve_after: int | None,
    description: str | None, at: At,
) -> Monitor:  # fmt: skip
    """A monitor checked by the rules every interface shares."""
    key = check_key(key, path=at("key"))
    target = target_of(target, kinds=MONITORABLE_KINDS, what="monitored", path=at("target"))
    metric = metric.strip().lower()
    if not metric:
        raise BadInputError("a monitor needs a metric", path=at("metric"))
    if type in DRIFT_TYPES:
        if metric not in set(DriftMetric):
            raise BadInputError(
                f"a drift monitor measures psi or js_distance, not {metric!r}", path=at("metric")
            )
        if not (column or "").strip():
            raise BadInputError("a drift monitor names the column it compares", path=at("column"))
        if not reference:
            raise BadInputError(
                f"a drift monitor needs a reference ({REFERENCE_KINDS})", path=at("reference")
            )
    if reference is not None:
        reference = _reference(reference, at("reference"))
    if owner is not None:
        owner = target_of(owner, kinds=AGENT_OWNER_KINDS, what="an owner", path=at("owner"))
    for name, number in (("window_s", window_s), ("resolve_after", resolve_after)):
        if number is not None and number < 1:
            raise BadInputError("must be at least 1", path=at(name))
    return Monitor(
        key=key, target=target, type=type, metric=metric,
        threshold=finite(threshold, path=at("threshold")), direction=direction,
        severity=severity, column=(column or "").strip() or None, window_s=window_s,
        owner=owner, reference=reference, resolve_after=resolve_after,
        description=(description or "").strip() or None,
    )  # fmt: skip


def _reference(value: str, path: Path) -> str:
    kind, _, key = value.partition(":")
    if kind == "Profile" and key:
        return f"Profile:{check_key(key, path=path)}"
    return target_of(value, kinds=frozenset({Kind.DATASET_VERSION}), what="a reference", path=path)


@dataclass(frozen=True, slots=True)
class ObservationCommand:
    """One metric value of a monitor at a time; `at` names the caller's fields."""

    monitor: str
    value: float
    observed_at: datetime
    window_start: datetime | None = None
    window_end: datetime | None = None
    details: dict[str, Any] | None = None
    source: str = "client"  # or "profile" (computed by the catalog), "openlineage" (a facet)
    at: At = field(default=lambda name: [name], compare=False, repr=False)

    @property
    def key(self) -> str:
        """One observation per monitor and time: sending it again changes nothing."""
        return observation_key(self.monitor, self.observed_at)


def observation_key(monitor: str, observed_at: datetime) -> str:
    return f"{monitor}|{observed_at.isoformat(timespec='microseconds')}"


def observation(
    *, monitor: str, value: Any, observed_at: datetime, window_start: datetime | None = None,
    window_end: datetime | None = None, details: Any = None, source: str = "client", at: At,
) -> ObservationCommand:  # fmt: skip
    """An observation checked by the shared rules: a monitor key, a finite value, UTC times."""
    key = check_key(monitor, path=at("monitor"))
    start = None if window_start is None else utc(window_start, path=at("window_start"))
    end = None if window_end is None else utc(window_end, path=at("window_end"))
    if start and end and end < start:
        raise BadInputError("the window ends before it starts", path=at("window_end"))
    return ObservationCommand(
        monitor=key, value=finite(value, path=at("value")),
        observed_at=utc(observed_at, path=at("observed_at")), window_start=start,
        window_end=end, details=json_object(details, path=at("details")), source=source, at=at,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class IncidentChange:
    """An incident's status change: who may make it is checked by the transition table."""

    status: IncidentStatus
    reason: str
    severity: Severity | None = None
    assignee: str | None = None


def check_transition(current: IncidentStatus, wanted: IncidentStatus, *, path: Path) -> None:
    """Refuse a transition the table does not allow from the current status."""
    if wanted not in INCIDENT_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in INCIDENT_TRANSITIONS[current])) or "none"
        raise BadInputError(
            f"an incident that is {current.value} cannot become {wanted.value} "
            f"(allowed: {allowed})",
            path=path,
        )


@dataclass(frozen=True, slots=True)
class Observation:
    """An observation as stored."""

    key: str
    monitor: str
    value: float
    observed_at: datetime
    breached: bool
    source: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    details: dict[str, Any] | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """One step of an incident's history: who moved it where, when and why."""

    status: IncidentStatus
    at: datetime
    by: str
    reason: str | None
    severity: Severity
    assignee: str | None


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident as stored, with what it is about and its latest evidence."""

    key: str
    title: str
    status: IncidentStatus
    severity: Severity
    opened_at: datetime
    opened_by: str
    automatic: bool
    assignee: str | None = None
    closed_at: datetime | None = None
    last_breach_at: datetime | None = None
    breaches: int = 0
    healthy_streak: int = 0
    monitor: str | None = None
    about: tuple[Any, ...] = ()  # NodeRecords of the targets
    evidence: tuple[Observation, ...] = ()
    evidence_count: int = 0
    history: tuple[Transition, ...] = ()

    def open_at(self, at: datetime) -> bool:
        return self.opened_at <= at and (self.closed_at is None or self.closed_at > at)
