"""A light, typed Python client for lineage-catalog (its only dependency is httpx).

Usage: the package's README and the catalog's docs/sdk.md."""

from lineage_catalog_client._base import TOKEN_ENV, URL_ENV, __version__
from lineage_catalog_client.bulk import LoadProgress, LoadResult, Reject
from lineage_catalog_client.client import CatalogClient
from lineage_catalog_client.errors import (
    BadUserInputError,
    CatalogError,
    CatalogUnavailable,
    FailedPreconditionError,
    ForbiddenError,
    InvalidQueryError,
    NotFoundError,
    PayloadTooLargeError,
    QueryTooCostlyError,
    RateLimitedError,
    RequestTimeoutError,
    UnauthenticatedError,
)
from lineage_catalog_client.monitoring import Incident, Recorded
from lineage_catalog_client.runs import RunRecorder
from lineage_catalog_client.types import (
    Account,
    Approval,
    Classification,
    IssuedToken,
    Kpi,
    ModelCard,
    SchemaField,
)

__all__ = [
    "TOKEN_ENV",
    "URL_ENV",
    "Account",
    "Approval",
    "BadUserInputError",
    "CatalogClient",
    "CatalogError",
    "CatalogUnavailable",
    "Classification",
    "FailedPreconditionError",
    "ForbiddenError",
    "Incident",
    "InvalidQueryError",
    "IssuedToken",
    "Kpi",
    "LoadProgress",
    "LoadResult",
    "ModelCard",
    "NotFoundError",
    "PayloadTooLargeError",
    "QueryTooCostlyError",
    "RateLimitedError",
    "Recorded",
    "Reject",
    "RequestTimeoutError",
    "RunRecorder",
    "SchemaField",
    "UnauthenticatedError",
    "__version__",
]
