"""The model lifecycle in Neo4j: stages, KPIs, evaluations, promotion requests, serving
intervals and model cards. Each write function runs inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from lineage_catalog.domain.model import NodeRecord
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.nodes import decode_props, native, to_node


class KpiDirection(StrEnum):
    """Whether a metric must reach its threshold from below or stay under it."""

    AT_LEAST = "at_least"
    AT_MOST = "at_most"


@dataclass(frozen=True, slots=True)
class Kpi:
    """A model's business target on one metric, which each version must meet for production."""

    metric: str
    threshold: float
    direction: KpiDirection = KpiDirection.AT_LEAST

    def met_by(self, value: float) -> bool:
        if self.direction is KpiDirection.AT_LEAST:
            return value >= self.threshold
        return value <= self.threshold

    def best(self, values: Sequence[float]) -> float | None:
        """The most favourable value for this KPI, or None without any."""
        if not values:
            return None
        return max(values) if self.direction is KpiDirection.AT_LEAST else min(values)

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "threshold": self.threshold, "direction": self.direction}


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """One evaluation of a model version: metrics, overall or on a slice (e.g. gender=F)."""

    key: str
    metrics: dict[str, Any]
    slice: str | None
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class VersionEvidence:
    """A model version with its model's KPIs and its evaluations."""

    node: NodeRecord
    model: str | None
    kpis: list[Kpi]
    evaluations: list[EvaluationResult]


@dataclass(frozen=True, slots=True)
class Approval:
    """A four-eyes request to move a model version to a stage, and its decision."""

    key: str
    status: str
    to_stage: str
    model_version: str  # the version's key
    requested_by: str
    requested_at: datetime
    request_reason: str | None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ServingInterval:
    """A deployment serving a model version (uid) in a role over [valid_from, valid_to)."""

    id: str  # the relationship's element id, valid inside the transaction that read it
    model_version: str
    stage: str | None
    role: str
    traffic_share: float | None
    valid_from: datetime
    valid_to: datetime | None
    reason: str | None
    changed_by: str | None

    def open_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or self.valid_to > at)


def utc(value: datetime) -> datetime:
    """A stored time as an aware one (a time given without a zone is taken as UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def kpis_from_json(text: str | None) -> list[Kpi]:
    """KPIs as stored on a model (none when the model has never had any)."""
    return [
        Kpi(str(k["metric"]), float(k["threshold"]), KpiDirection(k["direction"]))
        for k in json.loads(text or "[]")
    ]


def _approval(row: Mapping[str, Any]) -> Approval:
    raw = {k: native(v) for k, v in row["approval"].items()}
    return Approval(
        key=raw["key"],
        status=raw["status"],
        to_stage=raw["to_stage"],
        model_version=row["model_version"],
        requested_by=raw["requested_by"],
        requested_at=raw["requested_at"],
        request_reason=raw.get("request_reason"),
        decided_by=raw.get("decided_by"),
        decided_at=raw.get("decided_at"),
        decision_reason=raw.get("decision_reason"),
    )


def _interval(raw: Mapping[str, Any]) -> ServingInterval:
    edge = {k: native(v) for k, v in raw["edge"].items()}
    valid_to = edge.get("valid_to")
    return ServingInterval(
        id=raw["id"],
        model_version=raw["model_version"],
        stage=raw["stage"],
        role=str(edge.get("role")),
        traffic_share=edge.get("traffic_share"),
        valid_from=utc(edge["valid_from"]),
        valid_to=utc(valid_to) if valid_to is not None else None,
        reason=edge.get("reason"),
        changed_by=edge.get("changed_by"),
    )


async def lock_model_version(tx: WriteTx, *, uid: str) -> tuple[NodeRecord, list[str]] | None:
    """The model version, locked for this transaction, and its pending approvals' keys."""
    rows = await tx.run("lifecycle/lock_model_version", uid=uid)
    if not rows:
        return None
    return to_node(rows[0]), list(rows[0]["pending"])


async def set_stage(tx: WriteTx, *, uid: str, stage: str) -> None:
    """Move a model version to a stage."""
    await tx.run("lifecycle/set_stage", uid=uid, stage=stage)


async def lock_model(tx: WriteTx, *, uid: str) -> list[Kpi] | None:
    """The model's KPIs, the model locked for this transaction; None when there is no model."""
    rows = await tx.run("lifecycle/lock_model", uid=uid)
    return kpis_from_json(rows[0]["kpis_json"]) if rows else None


async def set_model_kpis(tx: WriteTx, *, uid: str, kpis: Sequence[Kpi]) -> None:
    """Replace the model's KPIs."""
    text = json.dumps([k.as_dict() for k in kpis], sort_keys=True)
    await tx.run("lifecycle/set_model_kpis", uid=uid, kpis_json=text)


async def model_kpis(graph: Graph, *, uid: str) -> list[Kpi] | None:
    """The model's KPIs; None when there is no model."""
    rows = await graph.read("lifecycle/model_kpis", uid=uid)
    return kpis_from_json(rows[0]["kpis_json"]) if rows else None


async def version_evidence(source: Graph | WriteTx, *, uid: str) -> VersionEvidence | None:
    """The version, its model's KPIs and its evaluations (in a read, or inside a write)."""
    if isinstance(source, Graph):
        rows = await source.read("lifecycle/version_evidence", uid=uid)
    else:
        rows = await source.run("lifecycle/version_evidence", uid=uid)
    if not rows:
        return None
    row = rows[0]
    evaluations = []
    for found in row["evaluations"]:
        props = decode_props(found["props"])
        created = props.get("created_at") or props.get("recorded_at")
        evaluations.append(
            EvaluationResult(found["key"], props.get("metrics") or {}, props.get("slice"), created)
        )
    evaluations.sort(key=lambda e: (e.created_at or datetime.min.replace(tzinfo=UTC), e.key))
    return VersionEvidence(
        node=to_node({"kind": "ModelVersion", "key": row["key"], "props": row["props"]}),
        model=row["model"],
        kpis=kpis_from_json(row["kpis_json"]),
        evaluations=evaluations,
    )


async def create_approval(
    tx: WriteTx,
    *,
    key: str,
    model_version: str,
    to_stage: str,
    requested_by: str,
    reason: str | None,
    at: datetime,
) -> Approval:
    """A pending request to move the model version (uid) to a stage."""
    (row,) = await tx.run(
        "lifecycle/create_approval", key=key, model_version=model_version, to_stage=to_stage,
        requested_by=requested_by, reason=reason, now=at,
    )  # fmt: skip
    return _approval(row)


async def lock_approval(tx: WriteTx, *, key: str) -> Approval | None:
    """The approval, locked for this transaction; None when there is none with that key."""
    rows = await tx.run("lifecycle/lock_approval", key=key)
    return _approval(rows[0]) if rows else None


async def decide_approval(
    tx: WriteTx, *, key: str, status: str, decided_by: str, reason: str | None, at: datetime
) -> Approval:
    """Record the decision (approved or rejected) on a request."""
    (row,) = await tx.run(
        "lifecycle/decide_approval", key=key, status=status, decided_by=decided_by,
        reason=reason, now=at,
    )  # fmt: skip
    return _approval(row)


async def approvals_of_version(graph: Graph, *, uid: str) -> list[Approval]:
    """The promotion requests of a model version, newest first."""
    rows = await graph.read("lifecycle/approvals_of_version", uid=uid)
    return [_approval(row) for row in rows]


async def lock_deployment(tx: WriteTx, *, uid: str) -> list[ServingInterval] | None:
    """The deployment's serving intervals, the deployment locked; None when there is none."""
    rows = await tx.run("lifecycle/lock_deployment", uid=uid)
    if not rows:
        return None
    return [_interval(raw) for raw in rows[0]["intervals"]]


async def close_serving(
    tx: WriteTx,
    *,
    intervals: Sequence[ServingInterval],
    ended_by: str,
    reason: str | None,
    at: datetime,
) -> None:
    """End the intervals at `at`, noting who ended them and why."""
    if not intervals:
        return
    await tx.run(
        "lifecycle/close_serving", ids=[i.id for i in intervals], ended_by=ended_by,
        reason=reason, now=at,
    )  # fmt: skip


async def set_model_card(
    tx: WriteTx, *, uid: str, card: Mapping[str, Any], updated_by: str, at: datetime
) -> None:
    """Replace the model version's card."""
    text = json.dumps(card, sort_keys=True, default=str)
    await tx.run("lifecycle/set_model_card", uid=uid, card_json=text, updated_by=updated_by, now=at)
