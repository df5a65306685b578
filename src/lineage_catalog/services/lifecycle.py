"""The governed model lifecycle: stages, KPIs, evaluations, four-eyes promotion, serving roles
and rollback, model cards. Each change is one write transaction that includes its audit."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.errors import BadInputError, ConflictError, NotFoundError
from lineage_catalog.domain.model import (
    Kind,
    NodeRecord,
    Rel,
    RunKind,
    RunStatus,
    Stage,
    split_uid,
    uid,
)
from lineage_catalog.services import audit, incident_links
from lineage_catalog.services.incident_links import IncidentRef
from lineage_catalog.store import lifecycle, nodes
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.lifecycle import Approval, Kpi, VersionEvidence

# Where each stage may go by transitionStage; staging -> production only by an approval.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.REGISTERED: frozenset({Stage.STAGING, Stage.ARCHIVED}),
    Stage.STAGING: frozenset({Stage.ARCHIVED}),
    Stage.PRODUCTION: frozenset({Stage.ARCHIVED}),
    Stage.ARCHIVED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class KpiResult:
    """A KPI against a version's best overall evaluated value (None: never evaluated)."""

    kpi: Kpi
    value: float | None

    @property
    def met(self) -> bool:
        return self.value is not None and self.kpi.met_by(self.value)

    def describe(self) -> str:
        sign = ">=" if self.kpi.direction is lifecycle.KpiDirection.AT_LEAST else "<="
        got = "no evaluated value" if self.value is None else f"{self.value:g}"
        return f"{self.kpi.metric} {got} (needs {sign} {self.kpi.threshold:g})"


@dataclass(frozen=True, slots=True)
class ModelCard:
    """A version's card with its model's KPIs, how the version meets them, its evaluations."""

    evidence: VersionEvidence
    kpi_results: list[KpiResult]

    @property
    def content(self) -> dict[str, Any]:
        card: dict[str, Any] = self.evidence.node.get("card") or {}
        return card


def kpi_results(evidence: VersionEvidence) -> list[KpiResult]:
    """Each KPI of the model against the best value of the version's overall evaluations."""
    overall = [e.metrics for e in evidence.evaluations if not e.slice]
    results = []
    for kpi in evidence.kpis:
        values = [float(m[kpi.metric]) for m in overall if _number(m.get(kpi.metric))]
        results.append(KpiResult(kpi, kpi.best(values)))
    return results


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _mv_uid(key: str) -> str:
    return uid(Kind.MODEL_VERSION, key)


def stage_of(node: NodeRecord) -> Stage:
    """A model version's stage (registered when it has none)."""
    return Stage(node.get("stage") or Stage.REGISTERED.value)


async def locked_version(tx: WriteTx, key: str) -> tuple[NodeRecord, list[str]]:
    """The model version, locked for the transaction, with its pending approvals' keys."""
    found = await lifecycle.lock_model_version(tx, uid=_mv_uid(key))
    if found is None:
        raise NotFoundError(f"no model version {key!r}")
    return found


async def transition_stage(
    graph: Graph, *, actor: Actor, model_version: str, stage: Stage, reason: str
) -> NodeRecord:
    """Move a model version to staging or archived; production needs an approved promotion."""

    async def work(tx: WriteTx) -> NodeRecord:
        node, _ = await locked_version(tx, model_version)
        current = stage_of(node)
        if stage is Stage.PRODUCTION:
            raise ConflictError(
                f"{model_version} cannot move to production directly: it needs an approved "
                "promotion (requestPromotion, approvePromotion)"
            )
        if stage not in TRANSITIONS[current]:
            raise ConflictError(
                f"{model_version} cannot move from {current.value} to {stage.value}"
            )
        await lifecycle.set_stage(tx, uid=node.uid, stage=stage.value)
        change = Change(
            "stage.transition", node.uid, {"stage": current.value}, {"stage": stage.value}, reason
        )
        await audit.record(tx, actor=actor, changes=[change])
        return NodeRecord(node.kind, node.key, {**node.props, "stage": stage.value})

    return await graph.write(work)


def check_kpis(kpis: Sequence[Kpi]) -> list[Kpi]:
    """KPIs with a metric name each, once each, and finite thresholds."""
    seen: set[str] = set()
    for i, kpi in enumerate(kpis):
        if not kpi.metric.strip():
            raise BadInputError("a KPI needs a metric name", path=["kpis", i, "metric"])
        if kpi.metric in seen:
            raise BadInputError(f"metric {kpi.metric!r} listed twice", path=["kpis", i, "metric"])
        if not math.isfinite(kpi.threshold):
            raise BadInputError("the threshold must be finite", path=["kpis", i, "threshold"])
        seen.add(kpi.metric)
    return list(kpis)


async def set_model_kpis(
    graph: Graph, *, actor: Actor, model: str, kpis: Sequence[Kpi], reason: str
) -> list[Kpi]:
    """Replace a model's KPIs (every version must meet them to reach production)."""
    wanted = check_kpis(kpis)

    async def work(tx: WriteTx) -> list[Kpi]:
        model_uid = uid(Kind.MODEL, model)
        before = await lifecycle.lock_model(tx, uid=model_uid)
        if before is None:
            raise NotFoundError(f"no model {model!r}")
        if before != wanted:
            await lifecycle.set_model_kpis(tx, uid=model_uid, kpis=wanted)
            change = Change(
                "model.kpis",
                model_uid,
                {"kpis": [k.as_dict() for k in before]},
                {"kpis": [k.as_dict() for k in wanted]},
                reason,
            )
            await audit.record(tx, actor=actor, changes=[change])
        return wanted

    return await graph.write(work)


def check_metrics(metrics: Any, *, path: list[str | int]) -> dict[str, float]:
    """A non-empty JSON object of finite numbers."""
    if not isinstance(metrics, dict) or not metrics:
        raise BadInputError("metrics must be a non-empty JSON object of numbers", path=path)
    for name, value in metrics.items():
        if not _number(value):
            raise BadInputError(f"metric {name!r} is not a finite number", path=[*path, name])
    return dict(metrics)


async def record_evaluation(
    graph: Graph,
    *,
    actor: Actor,
    key: str,
    model_version: str,
    metrics: Mapping[str, float],
    dataset_versions: Sequence[str],
    slice: str | None,
    run_id: str,
    job: str | None,
    created_at: datetime,
    reason: str | None,
) -> NodeRecord:
    """Record an evaluation run that used the version (and data) and generated the result."""
    # Kept as recorded, since promotions rest on them: recording the same one again changes
    # nothing, other results under the same key are refused.
    mv, run, evaluation = _mv_uid(model_version), uid(Kind.RUN, run_id), uid(Kind.EVALUATION, key)
    for i, value in enumerate(dataset_versions):
        if split_uid(value, path=["input", "datasetVersions", i])[0] is not Kind.DATASET_VERSION:
            raise BadInputError(
                f"{value!r} is not a DatasetVersion id", path=["input", "datasetVersions", i]
            )
    used = [mv, *dataset_versions]
    named = {mv: "modelVersion", **{d: "datasetVersions" for d in dataset_versions}}
    if job is not None:
        named[uid(Kind.JOB, job)] = "job"

    async def work(tx: WriteTx) -> NodeRecord:
        for missing in await nodes.missing_uids(tx, uids=named):
            raise NotFoundError(f"no {missing} (input.{named[missing]})")
        run_props = {"run_kind": RunKind.EVALUATION.value, "job": job, "ended_at": created_at}
        (stored_run,) = await nodes.upsert_nodes(
            tx, kind=Kind.RUN, rows=[(run_id, run_props)],
            on_create={"status": RunStatus.COMPLETED.value, "started_at": created_at},
        )  # fmt: skip
        if stored_run.before and stored_run.before.get("run_kind") != RunKind.EVALUATION.value:
            raise ConflictError(f"run {run_id!r} exists and is not an evaluation run")
        props = {
            "metrics": dict(metrics), "slice": slice, "model_version": model_version,
            "run": run_id,
        }  # fmt: skip
        (stored,) = await nodes.upsert_nodes(
            tx, kind=Kind.EVALUATION, rows=[(key, props)],
            on_create={"created_at": created_at},
        )  # fmt: skip
        if stored.before is not None and any(stored.before.get(k) != v for k, v in props.items()):
            raise ConflictError(
                f"evaluation {key!r} is already recorded with other results; evaluations are "
                "kept as recorded: record a new one under a new key"
            )
        added = await nodes.link(tx, rel=Rel.USED, pairs=[(run, u) for u in used])
        added += await nodes.link(tx, rel=Rel.GENERATED, pairs=[(run, evaluation)])
        if job is not None:
            await nodes.link(tx, rel=Rel.RUN_OF, pairs=[(run, uid(Kind.JOB, job))])
        if stored.before is None or added:
            after = {**props, "dataset_versions": list(dataset_versions)}
            change = Change("evaluation.record", evaluation, None, after, reason)
            await audit.record(tx, actor=actor, changes=[change])
        return stored.node

    return await graph.write(work)


async def request_promotion(
    graph: Graph, *, actor: Actor, model_version: str, reason: str,
    incident: IncidentRef | None = None,
) -> Approval:  # fmt: skip
    """Ask for a staging version to go to production; another person must approve. The
    request may cite an incident (the drift it answers)."""

    async def work(tx: WriteTx) -> Approval:
        await incident_links.check_incidents(tx, [incident] if incident else [])
        node, pending = await locked_version(tx, model_version)
        if stage_of(node) is not Stage.STAGING:
            raise ConflictError(
                f"{model_version} is {stage_of(node).value}: only a version in staging can be "
                "promoted (transitionStage to staging first)"
            )
        if pending:
            raise ConflictError(
                f"{model_version} already has a pending promotion request ({pending[0]})"
            )
        approval = await lifecycle.create_approval(
            tx, key=f"approval-{uuid4().hex[:12]}", model_version=node.uid,
            to_stage=Stage.PRODUCTION.value, requested_by=actor.uid, reason=reason,
            at=nodes.now(),
        )  # fmt: skip
        after = {"approval": approval.key, "status": "pending", "to_stage": approval.to_stage}
        after |= await incident_links.cite(
            tx, incident=incident, action="approval.request", by=actor.uid, reason=reason,
            model_version=node.uid, approval=approval.key,
        )  # fmt: skip
        change = Change("approval.request", node.uid, None, after, reason)
        await audit.record(tx, actor=actor, changes=[change])
        return approval

    return await graph.write(work)


async def _pending(tx: WriteTx, key: str) -> Approval:
    approval = await lifecycle.lock_approval(tx, key=key)
    if approval is None:
        raise NotFoundError(f"no approval {key!r}")
    if approval.status != "pending":
        raise ConflictError(f"approval {key} is {approval.status}, not pending")
    return approval


async def approve_promotion(
    graph: Graph, *, actor: Actor, approval: str, reason: str,
    incident: IncidentRef | None = None,
) -> Approval:  # fmt: skip
    """Approve another person's request if every KPI is met: the version goes to production.
    The approval may cite an incident."""

    async def work(tx: WriteTx) -> Approval:
        await incident_links.check_incidents(tx, [incident] if incident else [])
        request = await _pending(tx, approval)
        if request.requested_by == actor.uid:
            raise ConflictError(
                f"four eyes: {actor.uid} requested this promotion and cannot approve it; "
                "another approver must"
            )
        node, _ = await locked_version(tx, request.model_version)
        if stage_of(node) is not Stage.STAGING:
            raise ConflictError(
                f"{node.key} is {stage_of(node).value}, no longer in staging: reject the request"
            )
        evidence = await lifecycle.version_evidence(tx, uid=node.uid)
        assert evidence is not None  # locked above
        if not evidence.kpis:
            raise ConflictError(
                f"the model {evidence.model} has no KPIs: set them (setModelKpis) before "
                "a version can be promoted"
            )
        results = kpi_results(evidence)
        failing = [r.describe() for r in results if not r.met]
        if failing:
            raise ConflictError(f"{node.key} misses KPIs: " + "; ".join(failing))
        decided = await lifecycle.decide_approval(
            tx, key=approval, status="approved", decided_by=actor.uid, reason=reason,
            at=nodes.now(),
        )  # fmt: skip
        await lifecycle.set_stage(tx, uid=node.uid, stage=Stage.PRODUCTION.value)
        met = {r.kpi.metric: r.value for r in results}
        cited = await incident_links.cite(
            tx, incident=incident, action="approval.approve", by=actor.uid, reason=reason,
            model_version=node.uid, approval=approval,
        )  # fmt: skip
        changes = [
            Change("approval.approve", node.uid, {"approval": approval, "status": "pending"},
                   {"approval": approval, "status": "approved", "kpis": met, **cited}, reason),
            Change("stage.transition", node.uid, {"stage": Stage.STAGING.value},
                   {"stage": Stage.PRODUCTION.value, "approval": approval}, reason),
        ]  # fmt: skip
        await audit.record(tx, actor=actor, changes=changes)
        return decided

    return await graph.write(work)


async def reject_promotion(graph: Graph, *, actor: Actor, approval: str, reason: str) -> Approval:
    """Reject a pending promotion request; the version stays where it is."""

    async def work(tx: WriteTx) -> Approval:
        request = await _pending(tx, approval)
        decided = await lifecycle.decide_approval(
            tx, key=approval, status="rejected", decided_by=actor.uid, reason=reason,
            at=nodes.now(),
        )  # fmt: skip
        target = _mv_uid(request.model_version)
        before = {"approval": approval, "status": "pending"}
        after = {"approval": approval, "status": "rejected"}
        await audit.record(
            tx, actor=actor, changes=[Change("approval.reject", target, before, after, reason)]
        )
        return decided

    return await graph.write(work)


async def approvals(graph: Graph, *, model_version: str) -> list[Approval]:
    """The promotion requests of a model version, newest first."""
    return await lifecycle.approvals_of_version(graph, uid=_mv_uid(model_version))


async def model_kpis(graph: Graph, *, model: str) -> list[Kpi]:
    """A model's KPIs."""
    found = await lifecycle.model_kpis(graph, uid=uid(Kind.MODEL, model))
    if found is None:
        raise NotFoundError(f"no model {model!r}")
    return found


async def model_card(graph: Graph, *, model_version: str) -> ModelCard | None:
    """A version's model card with its model's KPIs and evaluations; None without a version."""
    evidence = await lifecycle.version_evidence(graph, uid=_mv_uid(model_version))
    return ModelCard(evidence, kpi_results(evidence)) if evidence else None


async def update_model_card(
    graph: Graph, *, actor: Actor, model_version: str, card: Mapping[str, Any], reason: str | None
) -> None:
    """Update the card fields given; the audit events (before, after) are its history."""

    async def work(tx: WriteTx) -> None:
        node, _ = await locked_version(tx, model_version)
        before: dict[str, Any] = node.get("card") or {}
        after = {**before, **{k: v for k, v in card.items() if v is not None}}
        if after != before:
            await lifecycle.set_model_card(
                tx, uid=node.uid, card=after, updated_by=actor.uid, at=nodes.now()
            )
            change = Change("modelcard.update", node.uid, before or None, after, reason)
            await audit.record(tx, actor=actor, changes=[change])

    await graph.write(work)
