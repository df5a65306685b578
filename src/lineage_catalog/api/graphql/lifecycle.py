"""The model lifecycle in GraphQL: stages, approvals, KPIs, evaluations, serving roles,
rollback and model cards."""

from __future__ import annotations

import strawberry


@strawberry.type
class LifecycleQuery:
    """Lifecycle reads (approvals, model cards) join the Query root through this mixin."""


@strawberry.type
class LifecycleMutation:
    """Lifecycle changes join the Mutation root through this mixin."""
