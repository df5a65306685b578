"""Q7: the compliance report of a model version, composed from the other answers (trace,
classifications, reproducibility, audit trail, approvals, KPIs, evaluations, model card)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from lineage_catalog.api.graphql.analytics import ClassificationPath, classification_paths
from lineage_catalog.api.graphql.arguments import Depth, ModelVersionKey
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.governance import AuditEvent
from lineage_catalog.api.graphql.lifecycle import Approval, ModelCard
from lineage_catalog.api.graphql.pagination import page_size
from lineage_catalog.api.graphql.queries import (
    PredictionTrace,
    Reproducibility,
    reproducibility_of,
    trace_model_version,
)
from lineage_catalog.api.graphql.report_monitoring import MonitoringSection, monitoring_section
from lineage_catalog.api.graphql.types import Model, ModelVersion, Serving, to_type
from lineage_catalog.domain.model import Kind, Rel, uid
from lineage_catalog.services import lifecycle
from lineage_catalog.store import audit as audit_store


@strawberry.type(
    description="Q7: everything an auditor asks of a model version; each part is the same "
    "answer the catalog gives on its own (Q1, Q4, Q5, Q6, approvals, KPIs, model card)."
)
class ComplianceReport:
    generated_at: datetime = strawberry.field(description="When the report was made (UTC).")
    model_version: ModelVersion = strawberry.field(description="The model version reported on.")
    key: strawberry.Private[str]

    @strawberry.field(description="The model it is a version of.")
    async def model(self, info: Info[Context, None]) -> Model | None:
        model_key = self.model_version.record.props.get("model")
        record = await info.context.loaders.node.load(uid(Kind.MODEL, str(model_key)))
        return to_type(record) if record else None  # type: ignore[return-value]

    @strawberry.field(description="Upstream lineage with owners, as for a prediction (Q1).")
    async def lineage(self, info: Info[Context, None], depth: Depth = None) -> PredictionTrace:
        return await trace_model_version(info, model_version=self.key, depth=depth)

    @strawberry.field(description="Classifications upstream, with paths (Q4).")
    async def classifications_upstream(
        self, info: Info[Context, None], depth: Depth = None
    ) -> list[ClassificationPath]:
        return await classification_paths(info, id=self.model_version.id, depth=depth, as_of=None)

    @strawberry.field(description="Training run, data with hashes, code, parameters (Q6).")
    async def reproducibility(self, info: Info[Context, None]) -> Reproducibility | None:
        return await reproducibility_of(info, model_version=self.key)

    @strawberry.field(description="Deployments serving it now.")
    async def serving(self, info: Info[Context, None]) -> list[Serving]:
        serving = info.context.loaders.neighbors(Rel.SERVED, outgoing=False, current=True)
        record = self.model_version.record
        return [
            Serving.from_edge(deployment=n.node, model_version=record, edge=n.edge)
            for n in await serving.load(record.uid)
        ]

    @strawberry.field(
        description="Serving of this version that came in as imported history (newest first): "
        "no approval or warm-up is on record for it."
    )
    async def imported_serving(self, info: Info[Context, None]) -> list[Serving]:
        history = info.context.loaders.neighbors(Rel.SERVED, outgoing=False)
        record = self.model_version.record
        return [
            Serving.from_edge(deployment=n.node, model_version=record, edge=n.edge)
            for n in await history.load(record.uid)
            if n.edge.get("imported") is True
        ]

    @strawberry.field(description="The model card with KPIs met or not and the evaluations.")
    async def model_card(self, info: Info[Context, None]) -> ModelCard | None:
        card = await lifecycle.model_card(info.context.graph, model_version=self.key)
        return ModelCard.from_domain(card) if card else None

    @strawberry.field(description="Promotion requests and their four-eyes decisions.")
    async def approvals(self, info: Info[Context, None]) -> list[Approval]:
        found = await lifecycle.approvals(info.context.graph, model_version=self.key)
        return [Approval.from_domain(a) for a in found]

    @strawberry.field(
        description="Monitoring: the monitors watching the version, its deployments or its "
        "training inputs, with values over time; its incidents, their decisions and what they "
        "led to (the retraining run that addressed one, the approval that cited it)."
    )
    async def monitoring(self, info: Info[Context, None]) -> MonitoringSection:
        return await monitoring_section(
            info.context.graph, model_version=self.model_version.id,
            limit=info.context.settings.max_page_size,
        )  # fmt: skip

    @strawberry.field(description="Audit events of the version and of its model (Q5).")
    async def audit_trail(
        self,
        info: Info[Context, None],
        first: Annotated[
            int | None,
            strawberry.argument(
                description="How many events, newest first: 1 to LINEAGE_MAX_PAGE_SIZE; null: "
                "that maximum (default 500)."
            ),
        ] = None,
    ) -> list[AuditEvent]:
        model_key = self.model_version.record.props.get("model")
        found = await audit_store.trail(
            info.context.graph,
            targets=[self.model_version.id, uid(Kind.MODEL, str(model_key))],
            limit=page_size(first or info.context.settings.max_page_size, info.context.settings),
        )
        return [AuditEvent.from_record(e) for e in found]


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="Q7: the compliance report of a model version (`lineage report` and "
        "/api/v1/reports/compliance render it as a document); null for an unknown version."
    )
    async def compliance_report(
        self, info: Info[Context, None], model_version: ModelVersionKey
    ) -> ComplianceReport | None:
        record = await info.context.loaders.node.load(uid(Kind.MODEL_VERSION, model_version))
        if record is None:
            return None
        return ComplianceReport(
            generated_at=datetime.now(UTC),
            model_version=to_type(record),  # type: ignore[arg-type]
            key=model_version,
        )
