"""The model lifecycle in GraphQL: stages, approvals, KPIs, evaluations, serving roles,
rollback and model cards. Resolvers check arguments and call the use cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.loaders import Loaders
from lineage_catalog.api.graphql.mutations import GqlServingRole, GqlStage
from lineage_catalog.api.graphql.types import Deployment, Evaluation, ModelVersion, to_type
from lineage_catalog.domain.model import Kind, ServingRole, Stage, check_key, uid
from lineage_catalog.services import lifecycle, serving
from lineage_catalog.services.audit import checked_reason
from lineage_catalog.store import lifecycle as stored

GqlKpiDirection = strawberry.enum(stored.KpiDirection, name="KpiDirection")


@strawberry.type(description="A model's target on one metric; versions must meet it.")
class Kpi:
    metric: str
    threshold: float
    direction: GqlKpiDirection  # type: ignore[valid-type]

    @staticmethod
    def from_domain(kpi: stored.Kpi) -> Kpi:
        return Kpi(metric=kpi.metric, threshold=kpi.threshold, direction=kpi.direction)


@strawberry.type(description="A KPI against the version's best overall evaluated value.")
class KpiResult:
    metric: str
    threshold: float
    direction: GqlKpiDirection  # type: ignore[valid-type]
    value: float | None = strawberry.field(description="Null: never evaluated.")
    met: bool


@strawberry.type(description="One evaluation of a version: overall, or on a slice.")
class EvaluationResult:
    key: str
    slice: str | None
    metrics: JSON
    created_at: datetime | None


@strawberry.type(description="A four-eyes request to move a model version to production.")
class Approval:
    key: str
    status: str = strawberry.field(description="pending, approved or rejected.")
    to_stage: str
    model_version: str = strawberry.field(description="The version's key.")
    requested_by: str
    requested_at: datetime
    request_reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None

    @staticmethod
    def from_domain(a: stored.Approval) -> Approval:
        return Approval(
            key=a.key, status=a.status, to_stage=a.to_stage, model_version=a.model_version,
            requested_by=a.requested_by, requested_at=a.requested_at,
            request_reason=a.request_reason, decided_by=a.decided_by, decided_at=a.decided_at,
            decision_reason=a.decision_reason,
        )  # fmt: skip


@strawberry.type(description="What a model version is for and how far to trust it.")
class ModelCard:
    model_version: str
    model: str | None
    stage: str | None
    intended_use: str | None
    business_goal: str | None
    stakeholders: list[str]
    known_risks: list[str]
    failure_modes: list[str]
    fairness_evaluations: list[JSON]
    limitations: str | None
    updated_at: datetime | None
    updated_by: str | None
    kpis: list[KpiResult] = strawberry.field(description="The model's KPIs, met or not.")
    evaluations: list[EvaluationResult]

    @staticmethod
    def from_domain(card: lifecycle.ModelCard) -> ModelCard:
        node, content = card.evidence.node, card.content
        return ModelCard(
            model_version=node.key,
            model=card.evidence.model,
            stage=node.get("stage"),
            intended_use=content.get("intended_use"),
            business_goal=content.get("business_goal"),
            stakeholders=content.get("stakeholders") or [],
            known_risks=content.get("known_risks") or [],
            failure_modes=content.get("failure_modes") or [],
            fairness_evaluations=content.get("fairness_evaluations") or [],
            limitations=content.get("limitations"),
            updated_at=node.get("card_updated_at"),
            updated_by=node.get("card_updated_by"),
            kpis=[
                KpiResult(
                    metric=r.kpi.metric,
                    threshold=r.kpi.threshold,
                    direction=r.kpi.direction,
                    value=r.value,
                    met=r.met,
                )
                for r in card.kpi_results
            ],
            evaluations=[
                EvaluationResult(
                    key=e.key, slice=e.slice, metrics=cast(JSON, e.metrics), created_at=e.created_at
                )
                for e in card.evidence.evaluations
            ],
        )


@strawberry.input
class KpiInput:
    metric: str
    threshold: float
    direction: GqlKpiDirection = stored.KpiDirection.AT_LEAST  # type: ignore[valid-type]


@strawberry.input
class EvaluationInput:
    key: str
    model_version: str = strawberry.field(description="Key <model>@<version>.")
    metrics: JSON = strawberry.field(description="A JSON object of numbers, e.g. {auc: 0.81}.")
    dataset_versions: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Ids of the data evaluated on (e.g. the holdout)."
    )
    slice: str | None = strawberry.field(
        default=None, description="A subgroup (fairness), e.g. gender=F; null: overall."
    )
    run_id: str | None = strawberry.field(default=None, description="Default eval-run-<key>.")
    job: str | None = strawberry.field(default=None, description="The evaluation job's key.")
    created_at: datetime | None = strawberry.field(default=None, description="Default now.")
    reason: str | None = None


@strawberry.input
class DeployModelVersionInput:
    deployment: str = strawberry.field(description="Key <environment>/<name>.")
    model_version: str
    role: GqlServingRole = strawberry.field(  # type: ignore[valid-type]
        description="CHALLENGER, SHADOW or CANARY; a champion comes from promoteToChampion."
    )
    traffic_share: float
    reason: str


@strawberry.input(description="Fields left out keep their value.")
class ModelCardInput:
    intended_use: str | None = None
    business_goal: str | None = None
    stakeholders: list[str] | None = None
    known_risks: list[str] | None = None
    failure_modes: list[str] | None = None
    fairness_evaluations: list[JSON] | None = None
    limitations: str | None = None


def _why(reason: str | None, path: list[str | int]) -> str:
    return checked_reason(reason, path=path, required=True) or ""


def _after_change(info: Info[Context, None]) -> None:
    """Fresh loaders: the request's ones cache nodes and take "now" from before the change."""
    info.context.loaders = Loaders(
        info.context.graph, nested_limit=info.context.settings.max_page_size
    )


async def _deployment(info: Info[Context, None], key: str) -> Deployment:
    _after_change(info)
    record = await info.context.loaders.node.load(uid(Kind.DEPLOYMENT, key))
    return to_type(record) if record else None  # type: ignore[return-value]


@strawberry.type
class LifecycleQuery:
    """Lifecycle reads (approvals, model cards) join the Query root through this mixin."""

    @strawberry.field(description="Promotion requests of a model version, newest first.")
    async def approvals(self, info: Info[Context, None], model_version: str) -> list[Approval]:
        found = await lifecycle.approvals(info.context.graph, model_version=model_version)
        return [Approval.from_domain(a) for a in found]

    @strawberry.field(description="A model version's card, its model's KPIs and evaluations.")
    async def model_card(self, info: Info[Context, None], model_version: str) -> ModelCard | None:
        card = await lifecycle.model_card(info.context.graph, model_version=model_version)
        return ModelCard.from_domain(card) if card else None

    @strawberry.field(description="A model's KPIs.")
    async def model_kpis(self, info: Info[Context, None], model: str) -> list[Kpi]:
        found = await lifecycle.model_kpis(info.context.graph, model=model)
        return [Kpi.from_domain(k) for k in found]


@strawberry.type
class LifecycleMutation:
    """Lifecycle changes join the Mutation root through this mixin."""

    @strawberry.mutation(
        description="Move a version registered -> staging, or to archived (reason required); "
        "production only through an approved promotion."
    )
    async def transition_stage(
        self,
        info: Info[Context, None],
        model_version: str,
        stage: GqlStage,  # type: ignore[valid-type]
        reason: str,
    ) -> ModelVersion:
        record = await lifecycle.transition_stage(
            info.context.graph, actor=info.context.actor, model_version=model_version,
            stage=Stage(stage), reason=_why(reason, ["reason"]),
        )  # fmt: skip
        _after_change(info)
        return to_type(record)  # type: ignore[return-value]

    @strawberry.mutation(description="Replace a model's KPIs (reason required).")
    async def set_model_kpis(
        self, info: Info[Context, None], model: str, kpis: list[KpiInput], reason: str
    ) -> list[Kpi]:
        wanted = [
            stored.Kpi(k.metric.strip(), k.threshold, stored.KpiDirection(k.direction))
            for k in kpis
        ]
        found = await lifecycle.set_model_kpis(
            info.context.graph, actor=info.context.actor, model=model, kpis=wanted,
            reason=_why(reason, ["reason"]),
        )  # fmt: skip
        return [Kpi.from_domain(k) for k in found]

    @strawberry.mutation(
        description="Record an evaluation: a run that used the version and generated it."
    )
    async def record_evaluation(
        self, info: Info[Context, None], input: EvaluationInput
    ) -> Evaluation:
        key = check_key(input.key, path=["input", "key"])
        run_id = check_key(input.run_id or f"eval-run-{key}", path=["input", "runId"])
        record = await lifecycle.record_evaluation(
            info.context.graph,
            actor=info.context.actor,
            key=key,
            model_version=input.model_version,
            metrics=lifecycle.check_metrics(input.metrics, path=["input", "metrics"]),
            dataset_versions=[str(d) for d in input.dataset_versions or []],
            slice=(input.slice or "").strip() or None,
            run_id=run_id,
            job=check_key(input.job, path=["input", "job"]) if input.job else None,
            created_at=input.created_at or datetime.now(UTC),
            reason=checked_reason(input.reason, path=["input", "reason"], required=False),
        )
        _after_change(info)
        return to_type(record)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Ask for a staging version to go to production; another person approves."
    )
    async def request_promotion(
        self, info: Info[Context, None], model_version: str, reason: str
    ) -> Approval:
        approval = await lifecycle.request_promotion(
            info.context.graph, actor=info.context.actor, model_version=model_version,
            reason=_why(reason, ["reason"]),
        )  # fmt: skip
        return Approval.from_domain(approval)

    @strawberry.mutation(
        description="Approve a promotion (four eyes; every KPI of the model must be met): "
        "the version moves to production."
    )
    async def approve_promotion(
        self, info: Info[Context, None], approval: str, reason: str
    ) -> Approval:
        decided = await lifecycle.approve_promotion(
            info.context.graph, actor=info.context.actor, approval=approval,
            reason=_why(reason, ["reason"]),
        )  # fmt: skip
        return Approval.from_domain(decided)

    @strawberry.mutation(description="Reject a pending promotion request.")
    async def reject_promotion(
        self, info: Info[Context, None], approval: str, reason: str
    ) -> Approval:
        decided = await lifecycle.reject_promotion(
            info.context.graph, actor=info.context.actor, approval=approval,
            reason=_why(reason, ["reason"]),
        )  # fmt: skip
        return Approval.from_domain(decided)

    @strawberry.mutation(
        description="Start serving a version at a deployment now as challenger, shadow or canary."
    )
    async def deploy_model_version(
        self, info: Info[Context, None], input: DeployModelVersionInput
    ) -> Deployment:
        await serving.deploy_model_version(
            info.context.graph, actor=info.context.actor, deployment=input.deployment,
            model_version=input.model_version, role=ServingRole(input.role),
            traffic_share=input.traffic_share, reason=_why(input.reason, ["input", "reason"]),
        )  # fmt: skip
        return await _deployment(info, input.deployment)

    @strawberry.mutation(
        description="Make a production version that served as challenger for the warm-up "
        "the champion (traffic 1.0); the champion before it stops serving."
    )
    async def promote_to_champion(
        self, info: Info[Context, None], deployment: str, model_version: str, reason: str
    ) -> Deployment:
        await serving.promote_to_champion(
            info.context.graph, actor=info.context.actor, deployment=deployment,
            model_version=model_version, reason=_why(reason, ["reason"]),
            warmup_s=info.context.settings.challenger_warmup_s,
        )  # fmt: skip
        return await _deployment(info, deployment)

    @strawberry.mutation(
        description="End the current champion and make the previous champion champion again."
    )
    async def rollback(self, info: Info[Context, None], deployment: str, reason: str) -> Deployment:
        await serving.rollback(
            info.context.graph, actor=info.context.actor, deployment=deployment,
            reason=_why(reason, ["reason"]),
        )  # fmt: skip
        return await _deployment(info, deployment)

    @strawberry.mutation(
        description="Update a version's model card; every change is audited (its history)."
    )
    async def update_model_card(
        self,
        info: Info[Context, None],
        model_version: str,
        card: ModelCardInput,
        reason: str | None = None,
    ) -> ModelCard:
        fields: dict[str, Any] = strawberry.asdict(card)
        await lifecycle.update_model_card(
            info.context.graph, actor=info.context.actor, model_version=model_version,
            card=fields, reason=checked_reason(reason, path=["reason"], required=False),
        )  # fmt: skip
        found = await lifecycle.model_card(info.context.graph, model_version=model_version)
        assert found is not None  # the update found it
        return ModelCard.from_domain(found)
