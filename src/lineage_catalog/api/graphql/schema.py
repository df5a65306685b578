"""The GraphQL schema: Query and Mutation roots, and the extensions that guard them."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from pathlib import Path

import strawberry
from graphql import ASTValidationRule, GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from lineage_catalog.api.graphql.access import AccessControl
from lineage_catalog.api.graphql.analytics import AnalyticsQuery
from lineage_catalog.api.graphql.columns import ColumnMutation, ColumnQuery
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.cost import RequestLimits
from lineage_catalog.api.graphql.documents import DocumentCaches, Documents
from lineage_catalog.api.graphql.execution import CatalogExecutor
from lineage_catalog.api.graphql.explore import ExploreQuery
from lineage_catalog.api.graphql.extensions import (
    CodedMaskErrors,
    OperationObserver,
    code_errors,
    should_mask,
)
from lineage_catalog.api.graphql.governance import GovernanceMutation, GovernanceQuery
from lineage_catalog.api.graphql.lifecycle import LifecycleMutation, LifecycleQuery
from lineage_catalog.api.graphql.monitoring import MonitoringMutation, MonitoringQuery
from lineage_catalog.api.graphql.mutations import Mutation as CatalogMutation
from lineage_catalog.api.graphql.queries import Query as CatalogQuery
from lineage_catalog.api.graphql.report import ReportQuery
from lineage_catalog.api.graphql.scalars import UtcDateTime
from lineage_catalog.api.graphql.shape import shape_rule
from lineage_catalog.api.graphql.types import ALL_NODE_TYPES
from lineage_catalog.settings import Settings
from lineage_catalog.store import catalog

MAX_TOKENS = 5000
log = logging.getLogger("lineage_catalog.graphql")
MAX_ALIASES = 30


@strawberry.type(description="How many nodes of each main kind the catalog holds now.")
class CatalogStats:
    """How many nodes of each main kind the catalog holds."""

    datasets: int = strawberry.field(description="Datasets in the catalog.")
    dataset_versions: int = strawberry.field(description="Dataset versions in the catalog.")
    features: int = strawberry.field(description="Features in the catalog.")
    code_commits: int = strawberry.field(description="Code commits in the catalog.")
    runs: int = strawberry.field(description="Runs in the catalog.")
    models: int = strawberry.field(description="Models in the catalog.")
    model_versions: int = strawberry.field(description="Model versions in the catalog.")
    deployments: int = strawberry.field(description="Deployments in the catalog.")
    predictions: int = strawberry.field(description="Predictions in the catalog.")
    people: int = strawberry.field(description="People in the catalog.")
    teams: int = strawberry.field(description="Teams in the catalog.")


@strawberry.type(
    description="Every change: registering and linking, the governed lifecycle and accounts. "
    "Each mutation is one transaction with its audit event; a refusal writes nothing."
)
class Mutation(
    CatalogMutation, LifecycleMutation, GovernanceMutation, MonitoringMutation, ColumnMutation
):
    """Every change: registering and linking, and the governed lifecycle."""


@strawberry.type(
    description="Every read: lookups by key, lists, the catalog's questions (Q1 to Q10), "
    "lineage, the explorer, governance and the lifecycle."
)
class Query(
    CatalogQuery,
    AnalyticsQuery,
    LifecycleQuery,
    GovernanceQuery,
    ReportQuery,
    ExploreQuery,
    MonitoringQuery,
    ColumnQuery,
):
    @strawberry.field(description="How many nodes of each main kind the catalog holds now.")
    async def catalog_stats(self, info: Info[Context, None]) -> CatalogStats:
        stats = await catalog.catalog_stats(info.context.graph)
        return CatalogStats(**{f: getattr(stats, f) for f in stats.__slots__})


class CatalogSchema(strawberry.Schema):
    """The schema; every error it answers carries extensions.code."""

    def _process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry passes every error here (parsing, validation, execution) before the
        # response is built.
        code_errors(errors, execution_context.graphql_document if execution_context else None)
        super()._process_errors(errors, execution_context)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """A caller's mistake is logged at INFO, in one line; an unexpected error at ERROR
        with its stack trace and the request id the caller gets in `extensions`."""
        context = execution_context.context if execution_context else None
        request_id = getattr(context, "request_id", None)
        operation = (execution_context.operation_name if execution_context else None) or "-"
        for error in errors:
            if should_mask(error):
                log.error(
                    "unexpected error in GraphQL operation %s (request %s): %s",
                    operation, request_id, error.message, exc_info=error.original_error,
                )  # fmt: skip
            else:
                code = (error.extensions or {}).get("code", "-")
                log.info("GraphQL %s in operation %s (request %s): %s",
                         code, operation, request_id, error.message)  # fmt: skip


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with its guards: depth, token and alias limits, caches, error masking."""
    # The shape rule is built once here, not per request: the validation cache keys on the
    # rule classes, so a new class on every request would validate every document again.
    rules: list[type[ASTValidationRule]] = [shape_rule(settings.max_query_depth, MAX_ALIASES)]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return CatalogSchema(
        query=Query,
        mutation=Mutation,
        types=ALL_NODE_TYPES,
        config=StrawberryConfig(scalar_map={datetime: UtcDateTime}),
        # Plain data fields (stored properties) answered without a resolver call each.
        execution_context_class=CatalogExecutor,
        extensions=[
            OperationObserver,
            RequestLimits,
            AccessControl,
            # Limits, parsing and validation, cached per query text (api/graphql/documents.py).
            partial(
                Documents,
                rules=tuple(rules),
                caches=DocumentCaches(max_tokens=MAX_TOKENS, maxsize=256),
            ),
            partial(CodedMaskErrors, should_mask_error=should_mask),
        ],
    )


SDL_PATH = Path(__file__).resolve().parents[4] / "schema.graphql"


def print_sdl(settings: Settings | None = None) -> str:
    """The schema as SDL, as checked in at schema.graphql."""
    return build_schema(settings or Settings()).as_str() + "\n"
