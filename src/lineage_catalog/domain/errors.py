"""Errors the catalog expects; the API maps each to an error code."""

from __future__ import annotations


class CatalogError(Exception):
    """Base of expected errors; `code` is the GraphQL extensions.code."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # graphql-core copies `extensions` of the original error into the response.
        self.extensions: dict[str, object] = {"code": self.code}


class NotFoundError(CatalogError):
    """A key names nothing of that kind."""

    code = "NOT_FOUND"


class BadInputError(CatalogError):
    """Input that cannot be accepted; `path` names the bad field."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, path: list[str | int] | None = None) -> None:
        super().__init__(message)
        self.path = path or []
        if self.path:
            self.extensions["field"] = ".".join(str(p) for p in self.path)


class GraphUnavailableError(CatalogError):
    """Neo4j cannot be reached."""

    code = "UNAVAILABLE"


class UnauthenticatedError(CatalogError):
    """No valid token: missing, unknown, revoked, expired, or its account is disabled."""

    code = "UNAUTHENTICATED"


class ForbiddenError(CatalogError):
    """The caller's roles do not allow the operation (whether the target exists is not said)."""

    code = "FORBIDDEN"


class ConflictError(CatalogError):
    """The change is not allowed in the current state (a stage rule, four eyes, a KPI)."""

    code = "FAILED_PRECONDITION"


class RateLimitedError(CatalogError):
    """The caller sent more requests than its rate allows; it may retry after `retry_after_s`."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.extensions["retryAfterSeconds"] = round(retry_after_s, 3)


class RequestTimeoutError(CatalogError):
    """The request ran out of its time; the database cancelled what it was running."""

    code = "TIMEOUT"


class PayloadTooLargeError(CatalogError):
    """A request body (or what it inflates to) larger than its route accepts."""

    code = "PAYLOAD_TOO_LARGE"
