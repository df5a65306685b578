"""Errors the catalog reports, one class per `extensions.code`, each carrying the field at fault."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "BadUserInputError",
    "CatalogError",
    "CatalogUnavailable",
    "FailedPreconditionError",
    "ForbiddenError",
    "InvalidQueryError",
    "NotFoundError",
    "PayloadTooLargeError",
    "QueryTooCostlyError",
    "RateLimitedError",
    "RequestTimeoutError",
    "UnauthenticatedError",
    "error_for",
]


class CatalogError(Exception):
    """An error the catalog (or the way to it) reported; `code` is its `extensions.code`."""

    default_code = "GRAPHQL_ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        request_id: str | None = None,
        status: int | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.request_id = request_id
        self.status = status
        self.extensions: dict[str, Any] = dict(extensions or {})

    def __str__(self) -> str:
        where = f" at {self.field}" if self.field else ""
        return f"{self.code}{where}: {self.message}"


class BadUserInputError(CatalogError):
    """Input the catalog refuses (a bad key, an unknown reference); `field` names it."""

    default_code = "BAD_USER_INPUT"


class NotFoundError(CatalogError):
    """A key names nothing of that kind."""

    default_code = "NOT_FOUND"


class UnauthenticatedError(CatalogError):
    """No valid token: missing, unknown, revoked, expired, or its account is disabled."""

    default_code = "UNAUTHENTICATED"


class ForbiddenError(CatalogError):
    """The token's roles do not allow the operation."""

    default_code = "FORBIDDEN"


class FailedPreconditionError(CatalogError):
    """Not allowed in the current state: a stage rule, four eyes, an unmet KPI."""

    default_code = "FAILED_PRECONDITION"


class RateLimitedError(CatalogError):
    """Too many requests; `retry_after` seconds until the next one is accepted."""

    default_code = "RATE_LIMITED"

    @property
    def retry_after(self) -> float | None:
        """The wait the catalog asked for, in seconds, when it said."""
        value = self.extensions.get("retryAfterSeconds")
        return float(value) if isinstance(value, int | float) else None


class QueryTooCostlyError(CatalogError):
    """The operation's estimated cost is over the catalog's limit."""

    default_code = "QUERY_TOO_COSTLY"


class PayloadTooLargeError(CatalogError):
    """The request body is larger than the route accepts (split a bulk load)."""

    default_code = "PAYLOAD_TOO_LARGE"


class RequestTimeoutError(CatalogError):
    """The request ran out of its time budget on the server; nothing of it was written."""

    default_code = "TIMEOUT"


class InvalidQueryError(CatalogError):
    """A GraphQL document that does not parse or validate against the schema."""

    default_code = "GRAPHQL_VALIDATION_FAILED"


class CatalogUnavailable(CatalogError):
    """The catalog (or its database) stayed unreachable or unavailable through every retry."""

    default_code = "UNAVAILABLE"


_BY_CODE: dict[str, type[CatalogError]] = {
    cls.default_code: cls
    for cls in (
        BadUserInputError,
        NotFoundError,
        UnauthenticatedError,
        ForbiddenError,
        FailedPreconditionError,
        RateLimitedError,
        QueryTooCostlyError,
        PayloadTooLargeError,
        RequestTimeoutError,
        InvalidQueryError,
        CatalogUnavailable,
    )
}
_BY_CODE["GRAPHQL_PARSE_FAILED"] = InvalidQueryError


def error_for(
    code: str,
    message: str,
    *,
    field: str | None = None,
    request_id: str | None = None,
    status: int | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> CatalogError:
    """The typed error for a code (CatalogError itself for a code it does not know)."""
    cls = _BY_CODE.get(code, CatalogError)
    return cls(
        message,
        code=code,
        field=field,
        request_id=request_id,
        status=status,
        extensions=extensions,
    )
