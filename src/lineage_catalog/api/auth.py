"""The caller of an HTTP request, for GraphQL and REST alike: the token's principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from lineage_catalog.api.limits import RateLimiter
from lineage_catalog.api.rest.errors import error_response
from lineage_catalog.auth.policy import require
from lineage_catalog.auth.tokens import bearer
from lineage_catalog.domain.auth import ANONYMOUS, Actor, Interface, Principal, Role
from lineage_catalog.domain.errors import (
    CatalogError,
    GraphUnavailableError,
    RateLimitedError,
    UnauthenticatedError,
)
from lineage_catalog.logs import add_request_fields
from lineage_catalog.services.accounts import authenticate
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph


async def caller(
    request: Request, *, graph: Graph, settings: Settings
) -> tuple[Principal | None, CatalogError | None]:
    """The principal behind the request's bearer token, or None and the reason."""
    if not settings.auth_enabled:
        return ANONYMOUS, _rate_limited(request, "anonymous")
    token = bearer(request.headers.get("authorization"))
    if token is None:
        return None, _rate_limited(request, None) or UnauthenticatedError(
            "a valid API token is required: Authorization: Bearer <token>"
        )
    try:
        principal = await authenticate(graph, token=token, cache_s=settings.auth_token_cache_s)
    except (UnauthenticatedError, GraphUnavailableError) as e:
        return None, _rate_limited(request, None) or e
    add_request_fields(principal=principal.uid)
    error = _rate_limited(request, principal.uid)
    return (None, error) if error else (principal, None)


def _rate_limited(request: Request, principal_id: str | None) -> RateLimitedError | None:
    """The refusal when this request exceeds its principal's rate (before sign-in, its
    client address's), else None."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return None
    client = request.client.host if request.client else "unknown"
    try:
        limiter.take(f"principal:{principal_id}" if principal_id else f"address:{client}")
    except RateLimitedError as e:
        return e
    return None


class RefusedError(Exception):
    """A REST request refused before its handler ran; rendered by `refused_response`."""

    def __init__(self, error: CatalogError) -> None:
        super().__init__(str(error))
        self.error = error


def refused_response(request: Request, exc: Exception) -> JSONResponse:
    """401, 403, 429 or 503 with the error and its code; on /graphql as a GraphQL answer."""
    assert isinstance(exc, RefusedError)
    return error_response(exc.error, graphql=request.url.path.startswith("/graphql"))


def rest_principal(role: Role) -> object:
    """A FastAPI dependency: the caller when it holds role; else 401, 403 or 503."""

    async def dependency(request: Request) -> Principal:
        graph: Graph = request.app.state.graph
        settings: Settings = request.app.state.settings
        principal, error = await caller(request, graph=graph, settings=settings)
        try:
            if error is not None:
                raise error
            return require(principal, role)
        except CatalogError as e:
            raise RefusedError(e) from e

    return Depends(dependency)


def actor_of(request: Request, principal: Principal, interface: Interface) -> Actor:
    """The caller of a REST request as recorded on audit events."""
    return Actor.of(principal, interface=interface, request_id=request.state.request_id)


Writer = Annotated[Principal, rest_principal(Role.WRITER)]
