"""The caller of an HTTP request, for GraphQL and REST alike: the token's principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from lineage_catalog.auth.policy import require
from lineage_catalog.auth.tokens import bearer
from lineage_catalog.domain.auth import ANONYMOUS, Actor, Interface, Principal, Role
from lineage_catalog.domain.errors import (
    CatalogError,
    ForbiddenError,
    GraphUnavailableError,
    UnauthenticatedError,
)
from lineage_catalog.services.accounts import authenticate
from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import Graph


async def caller(
    request: Request, *, graph: Graph, settings: Settings
) -> tuple[Principal | None, CatalogError | None]:
    """The principal behind the request's bearer token, or None and the reason."""
    if not settings.auth_enabled:
        return ANONYMOUS, None
    token = bearer(request.headers.get("authorization"))
    if token is None:
        return None, UnauthenticatedError(
            "a valid API token is required: Authorization: Bearer <token>"
        )
    try:
        return await authenticate(graph, token=token), None
    except (UnauthenticatedError, GraphUnavailableError) as e:
        return None, e


_STATUS = {UnauthenticatedError: 401, ForbiddenError: 403, GraphUnavailableError: 503}


class RefusedError(Exception):
    """A REST request refused before its handler ran; rendered by `refused_response`."""

    def __init__(self, error: CatalogError) -> None:
        super().__init__(str(error))
        self.error = error


def refused_response(_: Request, exc: Exception) -> JSONResponse:
    """401, 403 or 503 with the error and its code."""
    assert isinstance(exc, RefusedError)
    status = _STATUS.get(type(exc.error), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": str(exc.error), "code": exc.error.code}, status_code=status, headers=headers
    )


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
