"""Data quality reported by a RunEvent, inside the event's transaction: each metric (and the
count of failed checks) becomes an observation of every data-quality monitor that watches
its dataset, or the version the event names, for that metric and column; the observations
are written and judged by the one write model of monitoring (services/monitoring.py), so a
breach opens or extends an incident as any observation does. docs/openlineage.md, "Data
quality"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.errors import ConflictError
from lineage_catalog.domain.model import Kind, uid
from lineage_catalog.domain.monitoring import MonitorType, ObservationCommand
from lineage_catalog.ingest.openlineage import EventPlan
from lineage_catalog.ingest.openlineage_quality import DatasetQuality, Metric
from lineage_catalog.services import monitoring
from lineage_catalog.store.graph import WriteTx

SOURCE = "openlineage"


@dataclass(frozen=True, slots=True)
class QualityRecorded:
    """What an event's quality left: the observations written (keys), the incidents they
    opened, extended or resolved, and the values not written because the monitor holds
    another value at that time (observations are kept as recorded)."""

    observations: list[str] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def audit(self) -> dict[str, Any]:
        return {"observations": self.observations, "incidents": self.incidents,
                "conflicts": self.conflicts}  # fmt: skip


def _watched(quality: DatasetQuality) -> list[str]:
    found = [uid(Kind.DATASET, quality.dataset)]
    if quality.version is not None:
        found.append(uid(Kind.DATASET_VERSION, quality.version))
    return found


def _details(plan: EventPlan, quality: DatasetQuality, metric: Metric) -> dict[str, Any]:
    details: dict[str, Any] = {
        "source": SOURCE, "run": plan.run.key, "job": plan.job.key,
        "event_type": plan.event_type, "dataset": quality.dataset,
        "dataset_version": quality.version, "metric": metric.name, "column": metric.column,
    }  # fmt: skip
    # Not the failed checks themselves: their names, columns and values may quote a
    # restricted version's data, and observations are read by any reader. They are read on
    # the version (DatasetVersion.qualityChecks), restricted like its facets.
    return details


def _at(name: str) -> list[str | int]:
    return ["body", name]


async def record_quality(
    tx: WriteTx, *, plan: EventPlan, actor: Actor
) -> tuple[QualityRecorded | None, list[Change]]:
    """Write the event's quality observations (none without quality facets); returns what
    was written, for the event's audit, and the changes to audit with it."""
    if not plan.quality:
        return None, []
    targets = sorted({t for q in plan.quality for t in _watched(q)})
    rows = await tx.run(
        "openlineage/quality_monitors", targets=targets, type=MonitorType.DATA_QUALITY.value
    )
    by_target: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_target.setdefault(row["target"], []).append(row)
    commands = []
    for quality in plan.quality:
        values = {(m.name, m.column): m for m in quality.metrics}
        for target in _watched(quality):
            for row in by_target.get(target, []):
                metric = values.get((row["metric"], row["column"]))
                if metric is None:
                    continue
                commands.append(ObservationCommand(
                    monitor=row["monitor"], value=metric.value, observed_at=plan.event_time,
                    details=_details(plan, quality, metric), source=SOURCE, at=_at,
                ))  # fmt: skip
    if not commands:
        return QualityRecorded(), []
    done = await monitoring.write_observations(tx, commands=commands, actor=actor)
    conflicts = sorted(
        commands[i].key for i, e in done.refused.items() if isinstance(e, ConflictError)
    )
    unexpected = [e for e in done.refused.values() if not isinstance(e, ConflictError)]
    if unexpected:
        raise unexpected[0]  # a monitor found above but gone: let the transaction roll back
    recorded = QualityRecorded(
        observations=[o.key for o in done.observations],
        incidents=sorted({c.target.removeprefix("Incident:") for c in done.changes}),
        conflicts=conflicts,
    )
    changes = [monitoring.observation_change(o) for o in done.observations] + done.changes
    return recorded, changes
