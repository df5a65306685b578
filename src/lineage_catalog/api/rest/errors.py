"""How an expected error answers over HTTP: one status table for every REST route and for
requests refused before any route ran (docs/security.md, "Errors over HTTP")."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from lineage_catalog.api.limits import retry_after_header
from lineage_catalog.domain.errors import (
    BadInputError,
    CatalogError,
    ConflictError,
    ForbiddenError,
    GraphUnavailableError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    RequestTimeoutError,
    UnauthenticatedError,
)

HTTP_STATUS: dict[type[CatalogError], int] = {
    BadInputError: 400,
    UnauthenticatedError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    PayloadTooLargeError: 413,
    RateLimitedError: 429,
    GraphUnavailableError: 503,
    RequestTimeoutError: 504,
}


def http_status(error: CatalogError) -> int:
    """The status of an error: its class's, or its nearest base's; 500 for any other."""
    return next((HTTP_STATUS[c] for c in type(error).__mro__ if c in HTTP_STATUS), 500)


def error_response(error: CatalogError, *, graphql: bool = False) -> JSONResponse:
    """The answer to an error: `{"error", "code"}` (and `field` for bad input naming one),
    or, for a GraphQL request, a GraphQL-shaped body; with WWW-Authenticate on 401 and
    Retry-After on 429."""
    status = http_status(error)
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, RateLimitedError):
        headers["Retry-After"] = retry_after_header(error)
    body: dict[str, object] = {"error": str(error), "code": error.code}
    if isinstance(error, BadInputError) and error.path:
        body["field"] = ".".join(str(p) for p in error.path)
    if graphql:
        body = {"data": None, "errors": [{"message": str(error), "extensions": error.extensions}]}
    return JSONResponse(body, status_code=status, headers=headers)
