"""The model lifecycle in GraphQL: stages, approvals, KPIs, evaluations, serving roles,
rollback and model cards. Resolvers check arguments and call the use cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from lineage_catalog.api.graphql.arguments import (
    DeploymentKey,
    ModelVersionKey,
    OptionalReason,
    Reason,
)
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.enums import described_enum
from lineage_catalog.api.graphql.loaders import Loaders
from lineage_catalog.api.graphql.mutations import GqlServingRole, GqlStage
from lineage_catalog.api.graphql.types import Deployment, Evaluation, ModelVersion, to_type
from lineage_catalog.domain.model import Kind, ServingRole, Stage, check_key, uid
from lineage_catalog.services import lifecycle, serving
from lineage_catalog.services.audit import checked_reason
from lineage_catalog.services.incident_links import IncidentRef, incident_ref
from lineage_catalog.store import lifecycle as stored

GqlKpiDirection = described_enum(
    stored.KpiDirection,
    name="KpiDirection",
    description="Whether a metric must reach its threshold or stay under it.",
    values={
        stored.KpiDirection.AT_LEAST: "Met when the value is at or above the threshold (AUC).",
        stored.KpiDirection.AT_MOST: "Met when the value is at or below the threshold (error).",
    },
)
MetricName = "The metric's name as evaluations record it, e.g. auc."
ModelKey = Annotated[str, strawberry.argument(description="The model's key, e.g. credit-risk.")]
ApprovalKey = Annotated[
    str, strawberry.argument(description="The promotion request's key (Approval.key).")
]
CitedIncident = Annotated[
    str | None,
    strawberry.argument(
        description="The key of an incident this change answers (it must exist); kept on "
        "the audit event and served as Incident.citedBy."
    ),
]


def _cited(key: str | None, path: list[str | int]) -> IncidentRef | None:
    return incident_ref(key, path=path)


@strawberry.type(description="A model's target on one metric; versions must meet it.")
class Kpi:
    metric: str = strawberry.field(description=MetricName)
    threshold: float = strawberry.field(description="The value a version must reach (or not pass).")
    direction: GqlKpiDirection = strawberry.field(  # type: ignore[valid-type]
        description="AT_LEAST or AT_MOST the threshold."
    )

    @staticmethod
    def from_domain(kpi: stored.Kpi) -> Kpi:
        return Kpi(metric=kpi.metric, threshold=kpi.threshold, direction=kpi.direction)


@strawberry.type(description="A KPI against the version's best overall evaluated value.")
class KpiResult:
    metric: str = strawberry.field(description=MetricName)
    threshold: float = strawberry.field(description="The KPI's threshold.")
    direction: GqlKpiDirection = strawberry.field(  # type: ignore[valid-type]
        description="AT_LEAST or AT_MOST the threshold."
    )
    value: float | None = strawberry.field(
        description="The best value of the metric over the version's overall evaluations "
        "(slices left out). Null: never evaluated."
    )
    met: bool = strawberry.field(description="Whether value meets the KPI; false when null.")


@strawberry.type(description="One evaluation of a version: overall, or on a slice.")
class EvaluationResult:
    key: str = strawberry.field(description="The Evaluation's key.")
    slice: str | None = strawberry.field(
        description="The subgroup evaluated (fairness), e.g. gender=F; null: overall."
    )
    metrics: JSON = strawberry.field(description="The measured metrics, a JSON object of numbers.")
    created_at: datetime | None = strawberry.field(description="When it was made (UTC).")


@strawberry.type(description="A four-eyes request to move a model version to production.")
class Approval:
    key: str = strawberry.field(description="The request's key, for approve/rejectPromotion.")
    status: str = strawberry.field(description="pending, approved or rejected.")
    to_stage: str = strawberry.field(description="The stage asked for: production.")
    model_version: str = strawberry.field(description="The version's key.")
    requested_by: str = strawberry.field(description="Who asked: the requester's account id.")
    requested_at: datetime = strawberry.field(description="When it was asked (UTC).")
    request_reason: str | None = strawberry.field(description="Why, as the requester said.")
    decided_by: str | None = strawberry.field(
        description="Who approved or rejected it (never the requester); null while pending."
    )
    decided_at: datetime | None = strawberry.field(
        description="When it was decided (UTC); null while pending."
    )
    decision_reason: str | None = strawberry.field(
        description="Why, as the decider said; null while pending."
    )

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
    model_version: str = strawberry.field(description="The version's key, <model>@<version>.")
    model: str | None = strawberry.field(description="The model's key.")
    stage: str | None = strawberry.field(description="The version's stage now.")
    intended_use: str | None = strawberry.field(description="What the model is for, and not for.")
    business_goal: str | None = strawberry.field(description="The business outcome it serves.")
    stakeholders: list[str] = strawberry.field(description="Who relies on it or is affected by it.")
    known_risks: list[str] = strawberry.field(description="Risks known at the time of writing.")
    failure_modes: list[str] = strawberry.field(description="How it is known to fail.")
    fairness_evaluations: list[JSON] = strawberry.field(
        description="Fairness results as written on the card, each a JSON object; sliced "
        "evaluations are under `evaluations`."
    )
    limitations: str | None = strawberry.field(description="Limitations in prose.")
    updated_at: datetime | None = strawberry.field(
        description="When the card was last changed (UTC); null: never written."
    )
    updated_by: str | None = strawberry.field(description="Who last changed the card.")
    kpis: list[KpiResult] = strawberry.field(description="The model's KPIs, met or not.")
    evaluations: list[EvaluationResult] = strawberry.field(
        description="Every evaluation of the version, overall and per slice."
    )

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


@strawberry.input(description="A KPI to set on a model.")
class KpiInput:
    metric: str = strawberry.field(description=MetricName)
    threshold: float = strawberry.field(description="The value a version must reach (or not pass).")
    direction: GqlKpiDirection = strawberry.field(  # type: ignore[valid-type]
        default=stored.KpiDirection.AT_LEAST, description="Default AT_LEAST."
    )


@strawberry.input(description="An evaluation of a model version to record.")
class EvaluationInput:
    key: str = strawberry.field(
        description="The Evaluation's key, chosen by the caller; the same key again updates it."
    )
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
    reason: str | None = strawberry.field(
        default=None, description="Why, kept on the audit event; optional."
    )


@strawberry.input(description="A model version to start serving at a deployment.")
class DeployModelVersionInput:
    deployment: str = strawberry.field(description="Key <environment>/<name>.")
    model_version: str = strawberry.field(description="Key <model>@<version>.")
    role: GqlServingRole = strawberry.field(
        description="CHALLENGER, SHADOW or CANARY; a champion comes from promoteToChampion."
    )
    traffic_share: float = strawberry.field(
        description="Its share of traffic, 0.0 to 1.0; a shadow takes 0.0."
    )
    reason: str = strawberry.field(description="Why; required, kept on the audit event.")
    incident: str | None = strawberry.field(
        default=None,
        description="The key of an incident this deployment answers (it must exist); kept "
        "on the serving change and its audit event.",
    )


@strawberry.input(description="Fields left out keep their value.")
class ModelCardInput:
    intended_use: str | None = strawberry.field(
        default=None, description="What the model is for, and not for."
    )
    business_goal: str | None = strawberry.field(
        default=None, description="The business outcome it serves."
    )
    stakeholders: list[str] | None = strawberry.field(
        default=None, description="Who relies on it; replaces the list."
    )
    known_risks: list[str] | None = strawberry.field(
        default=None, description="Known risks; replaces the list."
    )
    failure_modes: list[str] | None = strawberry.field(
        default=None, description="How it fails; replaces the list."
    )
    fairness_evaluations: list[JSON] | None = strawberry.field(
        default=None, description="Fairness results, each a JSON object; replaces the list."
    )
    limitations: str | None = strawberry.field(default=None, description="Limitations in prose.")


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
    async def approvals(
        self, info: Info[Context, None], model_version: ModelVersionKey
    ) -> list[Approval]:
        found = await lifecycle.approvals(info.context.graph, model_version=model_version)
        return [Approval.from_domain(a) for a in found]

    @strawberry.field(
        description="A model version's card with its model's KPIs, met or not, and its "
        "evaluations; null for an unknown version."
    )
    async def model_card(
        self, info: Info[Context, None], model_version: ModelVersionKey
    ) -> ModelCard | None:
        card = await lifecycle.model_card(info.context.graph, model_version=model_version)
        return ModelCard.from_domain(card) if card else None

    @strawberry.field(description="A model's KPIs, which each version must meet for production.")
    async def model_kpis(self, info: Info[Context, None], model: ModelKey) -> list[Kpi]:
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
        model_version: ModelVersionKey,
        stage: Annotated[
            GqlStage,
            strawberry.argument(description="STAGING or ARCHIVED; PRODUCTION is refused here."),
        ],
        reason: Reason,
    ) -> ModelVersion:
        record = await lifecycle.transition_stage(
            info.context.graph, actor=info.context.actor, model_version=model_version,
            stage=Stage(stage), reason=_why(reason, ["reason"]),
        )  # fmt: skip
        _after_change(info)
        return to_type(record)  # type: ignore[return-value]

    @strawberry.mutation(description="Replace a model's KPIs (reason required).")
    async def set_model_kpis(
        self,
        info: Info[Context, None],
        model: ModelKey,
        kpis: Annotated[
            list[KpiInput], strawberry.argument(description="Every KPI; an empty list clears them.")
        ],
        reason: Reason,
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
        self,
        info: Info[Context, None],
        input: Annotated[EvaluationInput, strawberry.argument(description="The evaluation.")],
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
        self, info: Info[Context, None], model_version: ModelVersionKey, reason: Reason,
        incident: CitedIncident = None,
    ) -> Approval:  # fmt: skip
        approval = await lifecycle.request_promotion(
            info.context.graph, actor=info.context.actor, model_version=model_version,
            reason=_why(reason, ["reason"]), incident=_cited(incident, ["incident"]),
        )  # fmt: skip
        return Approval.from_domain(approval)

    @strawberry.mutation(
        description="Approve a promotion (four eyes; every KPI of the model must be met): "
        "the version moves to production."
    )
    async def approve_promotion(
        self, info: Info[Context, None], approval: ApprovalKey, reason: Reason,
        incident: CitedIncident = None,
    ) -> Approval:  # fmt: skip
        decided = await lifecycle.approve_promotion(
            info.context.graph, actor=info.context.actor, approval=approval,
            reason=_why(reason, ["reason"]), incident=_cited(incident, ["incident"]),
        )  # fmt: skip
        return Approval.from_domain(decided)

    @strawberry.mutation(description="Reject a pending promotion request.")
    async def reject_promotion(
        self, info: Info[Context, None], approval: ApprovalKey, reason: Reason
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
        self,
        info: Info[Context, None],
        input: Annotated[
            DeployModelVersionInput, strawberry.argument(description="What to serve, where, how.")
        ],
    ) -> Deployment:
        await serving.deploy_model_version(
            info.context.graph, actor=info.context.actor, deployment=input.deployment,
            model_version=input.model_version, role=ServingRole(input.role),
            traffic_share=input.traffic_share, reason=_why(input.reason, ["input", "reason"]),
            incident=_cited(input.incident, ["input", "incident"]),
        )  # fmt: skip
        return await _deployment(info, input.deployment)

    @strawberry.mutation(
        description="Make a production version that served as challenger for the warm-up "
        "the champion (traffic 1.0); the champion before it stops serving."
    )
    async def promote_to_champion(
        self,
        info: Info[Context, None],
        deployment: DeploymentKey,
        model_version: ModelVersionKey,
        reason: Reason,
        incident: CitedIncident = None,
    ) -> Deployment:
        await serving.promote_to_champion(
            info.context.graph, actor=info.context.actor, deployment=deployment,
            model_version=model_version, reason=_why(reason, ["reason"]),
            warmup_s=info.context.settings.challenger_warmup_s,
            incident=_cited(incident, ["incident"]),
        )  # fmt: skip
        return await _deployment(info, deployment)

    @strawberry.mutation(
        description="End the current champion and make the previous champion champion again."
    )
    async def rollback(
        self, info: Info[Context, None], deployment: DeploymentKey, reason: Reason,
        incident: CitedIncident = None,
    ) -> Deployment:  # fmt: skip
        await serving.rollback(
            info.context.graph, actor=info.context.actor, deployment=deployment,
            reason=_why(reason, ["reason"]), incident=_cited(incident, ["incident"]),
        )  # fmt: skip
        return await _deployment(info, deployment)

    @strawberry.mutation(
        description="Update a version's model card; every change is audited (its history)."
    )
    async def update_model_card(
        self,
        info: Info[Context, None],
        model_version: ModelVersionKey,
        card: Annotated[ModelCardInput, strawberry.argument(description="The fields to change.")],
        reason: OptionalReason = None,
    ) -> ModelCard:
        fields: dict[str, Any] = strawberry.asdict(card)
        await lifecycle.update_model_card(
            info.context.graph, actor=info.context.actor, model_version=model_version,
            card=fields, reason=checked_reason(reason, path=["reason"], required=False),
        )  # fmt: skip
        found = await lifecycle.model_card(info.context.graph, model_version=model_version)
        assert found is not None  # the update found it
        return ModelCard.from_domain(found)
