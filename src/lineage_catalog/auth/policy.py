"""Role and clearance checks shared by every interface."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lineage_catalog.domain.auth import Principal, Role
from lineage_catalog.domain.errors import BadInputError, ForbiddenError, UnauthenticatedError
from lineage_catalog.domain.model import Kind, split_uid

# The properties that need a clearance: a caller reads them only when cleared for every
# restricted classification (e.g. PII) of the node or of its parent. Every path that can
# return one (the typed fields, audit before/after documents, reports built on them) asks
# `restricted_props`, so a new restricted property is added here and nowhere else.
# A version's raw `facets` hold its schema (OpenLineage's schema facet) and whatever else
# its producer reported, so they are restricted as a whole.
RESTRICTED_PROPS: Mapping[Kind, frozenset[str]] = {
    Kind.DATASET_VERSION: frozenset({"schema", "sample", "facets"}),
}
# The facets of a Dataset that describe one of its versions (an event's schema facet is
# copied onto the dataset too). Which version they came from is not recorded, so they fall
# under that version's restriction and a Dataset's `facets` never serve them: they are
# read on the version, by the rule above.
VERSION_FACETS_OF_DATASET = frozenset({"schema", "columnLineage", "version"})


def restricted_props(target: str, document: Mapping[str, Any] | None = None) -> list[str]:
    """The restricted properties of the node `target` (a uid; anything else has none),
    sorted; with `document`, only those it holds a value for."""
    try:
        kind, _ = split_uid(target)
    except BadInputError:
        return []
    names = sorted(RESTRICTED_PROPS.get(kind, ()))
    if document is None:
        return names
    return [name for name in names if document.get(name) is not None]


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
