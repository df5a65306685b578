"""The GraphQL schema: Query and Mutation roots, and the extensions that guard them."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from lineage_catalog.api.graphql.access import AccessControl
from lineage_catalog.api.graphql.analytics import AnalyticsQuery
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.explore import ExploreQuery
from lineage_catalog.api.graphql.extensions import (
    CodedMaskErrors,
    OperationObserver,
    code_errors,
    should_mask,
)
from lineage_catalog.api.graphql.governance import GovernanceMutation, GovernanceQuery
from lineage_catalog.api.graphql.lifecycle import LifecycleMutation, LifecycleQuery
from lineage_catalog.api.graphql.mutations import Mutation as CatalogMutation
from lineage_catalog.api.graphql.queries import Query as CatalogQuery
from lineage_catalog.api.graphql.report import ReportQuery
from lineage_catalog.api.graphql.scalars import UtcDateTime
from lineage_catalog.api.graphql.types import ALL_NODE_TYPES
from lineage_catalog.settings import Settings
from lineage_catalog.store import catalog

MAX_TOKENS = 5000
MAX_ALIASES = 30


@strawberry.type
class CatalogStats:
    """How many nodes of each main kind the catalog holds."""

    datasets: int
    dataset_versions: int
    features: int
    code_commits: int
    runs: int
    models: int
    model_versions: int
    deployments: int
    predictions: int
    people: int
    teams: int


@strawberry.type
class Mutation(CatalogMutation, LifecycleMutation, GovernanceMutation):
    """Every change: registering and linking, and the governed lifecycle."""


@strawberry.type
class Query(
    CatalogQuery, AnalyticsQuery, LifecycleQuery, GovernanceQuery, ReportQuery, ExploreQuery
):
    @strawberry.field(description="Node counts per kind.")
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


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with its guards: depth, token and alias limits, caches, error masking."""
    # The depth and alias rules are built once here, not per request as QueryDepthLimiter and
    # MaxAliasesLimiter do: ValidationCache keys on the rule classes, so a new class on every
    # request meant every document was validated again.
    rules: list[type[ASTValidationRule]] = [
        depth_rule(settings.max_query_depth, None, None),
        alias_rule(MAX_ALIASES),
    ]
    return CatalogSchema(
        query=Query,
        mutation=Mutation,
        types=ALL_NODE_TYPES,
        config=StrawberryConfig(scalar_map={datetime: UtcDateTime}),
        extensions=[
            OperationObserver,
            AccessControl,
            partial(AddValidationRules, rules),
            partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
            partial(ParserCache, maxsize=256),
            partial(ValidationCache, maxsize=256),
            partial(CodedMaskErrors, should_mask_error=should_mask),
        ],
    )


SDL_PATH = Path(__file__).resolve().parents[4] / "schema.graphql"


def print_sdl(settings: Settings | None = None) -> str:
    """The schema as SDL, as checked in at schema.graphql."""
    return build_schema(settings or Settings()).as_str() + "\n"
