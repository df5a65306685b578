"""Monitors, observations, profiles and incidents (docs/monitoring.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from lineage_catalog_client.governance import GovernanceWrites

MonitorType = Literal["DATA_DRIFT", "PREDICTION_DRIFT", "PERFORMANCE", "DATA_QUALITY"]
BreachDirection = Literal["ABOVE", "BELOW"]
Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
IncidentStatus = Literal["OPEN", "ACKNOWLEDGED", "RESOLVED", "DISMISSED"]

_INCIDENT = "key status severity breaches"


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident as a write left it."""

    key: str
    status: str
    severity: str
    breaches: int


@dataclass(frozen=True, slots=True)
class Recorded:
    """What an observation or a profile wrote: the observations (keys; none when the same
    value was stored already) and the incidents they opened, extended or resolved."""

    observations: list[str]
    incidents: list[Incident]


def _incidents(found: Sequence[Mapping[str, Any]]) -> list[Incident]:
    return [Incident(i["key"], i["status"], i["severity"], int(i["breaches"])) for i in found]


def _given(fields: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in fields.items() if v is not None}


class MonitoringWrites(GovernanceWrites):
    def register_monitor(
        self,
        key: str,
        target: str,
        *,
        type: MonitorType,
        metric: str,
        threshold: float,
        direction: BreachDirection = "ABOVE",
        severity: Severity = "MEDIUM",
        column: str | None = None,
        reference: str | None = None,
        window_seconds: int | None = None,
        owner: str | None = None,
        resolve_after: int | None = None,
        description: str | None = None,
        reason: str | None = None,
    ) -> str:
        """Register or update a monitor of a target (its id); for drift, the profiled
        `column` and the `reference` (`DatasetVersion:<key>` or `Profile:<key>`). Its key."""
        monitor: dict[str, object] = {"key": key, "target": target, "type": type}
        monitor |= {"metric": metric, "threshold": threshold, "direction": direction}
        monitor |= {"severity": severity, "column": column, "reference": reference}
        monitor |= {"windowSeconds": window_seconds, "owner": owner}
        monitor |= {"resolveAfter": resolve_after, "description": description, "reason": reason}
        args = {"input": ("MonitorInput!", _given(monitor))}
        return str(self._call("registerMonitor", args, "key")["key"])

    def record_observation(
        self,
        monitor: str,
        value: float,
        *,
        observed_at: datetime | None = None,
        window_start: datetime | None = None,
        window_end: datetime | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Recorded:
        """Record a monitor's value; a breach opens an incident or extends the open one."""
        given: dict[str, object] = {"monitor": monitor, "value": value}
        given |= {"observedAt": observed_at, "windowStart": window_start}
        given |= {"windowEnd": window_end, "details": details}
        args = {"input": ("ObservationInput!", _given(given))}
        found = self._call(
            "recordObservation", args, f"observation {{ key }} incidents {{ {_INCIDENT} }}"
        )
        observed = [found["observation"]["key"]] if found["observation"] else []
        return Recorded(observed, _incidents(found["incidents"]))

    def record_profile(
        self,
        key: str,
        subject: str,
        columns: Sequence[Mapping[str, Any]],
        *,
        observed_at: datetime | None = None,
        window_start: datetime | None = None,
        window_end: datetime | None = None,
        reason: str | None = None,
    ) -> Recorded:
        """Store a profile of a subject (a DatasetVersion, Deployment or ModelVersion id):
        columns as ColumnProfileInput objects (`name`, `count`, `nulls`, `binEdges` and
        `binCounts`, or `categories`). The catalog computes drift for each drift monitor
        the profile feeds."""
        given: dict[str, object] = {"key": key, "subject": subject, "columns": list(columns)}
        given |= {"observedAt": observed_at, "windowStart": window_start}
        given |= {"windowEnd": window_end, "reason": reason}
        args = {"input": ("ProfileInput!", _given(given))}
        found = self._call(
            "recordProfile", args, f"observations {{ key }} incidents {{ {_INCIDENT} }}"
        )
        return Recorded([o["key"] for o in found["observations"]], _incidents(found["incidents"]))

    def open_incident(
        self,
        targets: Sequence[str],
        *,
        title: str,
        reason: str,
        severity: Severity = "MEDIUM",
        key: str | None = None,
        assignee: str | None = None,
        monitor: str | None = None,
        opened_at: datetime | None = None,
    ) -> Incident:
        """Open an incident by hand about targets (their ids)."""
        given: dict[str, object] = {"targets": list(targets), "title": title, "reason": reason}
        given |= {"severity": severity, "key": key, "assignee": assignee}
        given |= {"monitor": monitor, "openedAt": opened_at}
        args = {"input": ("OpenIncidentInput!", _given(given))}
        return _incidents([self._call("openIncident", args, _INCIDENT)])[0]

    def transition_incident(
        self,
        incident: str,
        status: IncidentStatus,
        *,
        reason: str,
        severity: Severity | None = None,
        assignee: str | None = None,
        fixed_by: str | None = None,
    ) -> Incident:
        """Move an incident (its key): OPEN -> ACKNOWLEDGED -> RESOLVED, or DISMISSED; a
        resolution may name what fixed it (`fixed_by`: a ModelVersion or Deployment id)."""
        given: dict[str, object] = {"incident": incident, "status": status, "reason": reason}
        given |= {"severity": severity, "assignee": assignee, "fixedBy": fixed_by}
        args = {"input": ("TransitionIncidentInput!", _given(given))}
        return _incidents([self._call("transitionIncident", args, _INCIDENT)])[0]
