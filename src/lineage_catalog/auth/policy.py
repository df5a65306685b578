"""Role checks shared by every interface."""

from __future__ import annotations

from lineage_catalog.domain.auth import Principal, Role
from lineage_catalog.domain.errors import ForbiddenError, UnauthenticatedError


def require(principal: Principal | None, role: Role) -> Principal:
    """The principal when it holds role; UNAUTHENTICATED without one, FORBIDDEN without it."""
    if principal is None:
        raise UnauthenticatedError("a valid API token is required: Authorization: Bearer <token>")
    if not principal.has(role):
        raise ForbiddenError(f"this needs the {role.value} role")
    return principal


def cleared(principal: Principal | None, classifications: frozenset[str]) -> bool:
    """Whether the principal holds a clearance for every one of the classifications."""
    if not classifications:
        return True
    return principal is not None and classifications <= principal.clearances
