"""The connection: configuration, one GraphQL or REST request with retries, errors typed."""

from __future__ import annotations

import contextlib
import os
import random
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

import httpx

from lineage_catalog_client.errors import CatalogError, CatalogUnavailable, error_for

URL_ENV = "LINEAGE_CATALOG_URL"
TOKEN_ENV = "LINEAGE_CATALOG_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8000"
RETRYABLE_STATUS = frozenset({502, 503, 504})
BOOKMARKS_HEADER = "Neo4j-Bookmarks"

try:
    __version__ = version("lineage-catalog-client")
except PackageNotFoundError:  # pragma: no cover - run from a source tree
    __version__ = "0+unknown"

T = TypeVar("T")


class Connection:
    """Holds the HTTP client; every call retries while the catalog is briefly unavailable."""

    def __init__(
        self,
        url: str | None = None,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        retries: int = 4,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
        read_your_writes: bool = True,
    ) -> None:
        if retries < 0 or backoff < 0:
            raise ValueError("retries and backoff cannot be negative")
        # Explicit arguments first, then the environment, then the local default.
        self.url = (url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        token = token if token is not None else os.environ.get(TOKEN_ENV)
        self.retries = retries
        self.backoff = backoff
        # The bookmark of this client's last write (the Neo4j-Bookmarks answer header), sent
        # with every later request so that it reads what it wrote through any API instance.
        self.read_your_writes = read_your_writes
        self.bookmarks: str | None = None
        headers = {"User-Agent": f"lineage-catalog-client/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run a GraphQL operation and return its `data`; a CatalogError subclass on any error."""
        payload = {"query": query, "variables": plain(dict(variables or {}))}
        return self._with_retries(lambda rid: self._graphql(payload, rid))

    def _with_retries(self, attempt: Callable[[str], T]) -> T:
        # One id for every attempt, so the server's logs tie the retries together.
        request_id = uuid.uuid4().hex
        last: CatalogUnavailable | None = None
        # Retrying is safe because every write is idempotent by key: a write that reached
        # the catalog before the connection dropped is simply written again.
        for n in range(self.retries + 1):
            if n:
                time.sleep(self._delay(n))
            try:
                return attempt(request_id)
            except CatalogUnavailable as e:
                last = e
        assert last is not None
        raise CatalogUnavailable(
            f"gave up after {self.retries + 1} attempts: {last.message}",
            code=last.code,
            request_id=request_id,
            status=last.status,
        ) from last

    def _delay(self, attempt: int) -> float:
        # Exponential, with jitter so that many pipelines do not retry in lockstep.
        ceiling = self.backoff * 2 ** (attempt - 1)
        return random.uniform(ceiling / 2, ceiling)

    def _send(self, request_id: str, method: str, path: str, **kw: Any) -> httpx.Response:
        """One request; CatalogUnavailable for what is worth retrying."""
        headers = {"X-Request-ID": request_id, **kw.pop("headers", {})}
        if self.read_your_writes and self.bookmarks:
            headers[BOOKMARKS_HEADER] = self.bookmarks
        try:
            response = self._http.request(method, path, headers=headers, **kw)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
            raise CatalogUnavailable(f"{type(e).__name__}: {e}", request_id=request_id) from e
        except httpx.HTTPError as e:
            raise CatalogError(str(e), code="REQUEST_FAILED", request_id=request_id) from e
        if response.status_code in RETRYABLE_STATUS:
            raise CatalogUnavailable(
                f"HTTP {response.status_code}: {response.text[:200]}",
                request_id=request_id,
                status=response.status_code,
            )
        if written := response.headers.get(BOOKMARKS_HEADER):
            self.bookmarks = written
        return response

    def _graphql(self, payload: dict[str, Any], request_id: str) -> dict[str, Any]:
        response = self._send(request_id, "POST", "/graphql", json=payload)
        body = _json(response)
        if isinstance(body, dict) and body.get("errors"):
            raise self._forget_refused(
                _graphql_error(body["errors"][0], request_id, response.status_code)
            )
        data = body.get("data") if isinstance(body, dict) else None
        if response.is_error or not isinstance(data, dict):
            raise self._forget_refused(_http_error(response, body, request_id))
        return data

    def _forget_refused(self, error: CatalogError) -> CatalogError:
        """A bookmark the catalog refuses (its database was replaced) is forgotten, so the
        next call goes through; the error is still raised."""
        if error.field == "bookmarks":
            self.bookmarks = None
        return error

    def _post_rest(
        self,
        path: str,
        *,
        content: Callable[[], Any],
        params: Mapping[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> dict[str, Any]:
        """POST a body (made anew for each attempt) to a REST route; its JSON answer."""

        def attempt(request_id: str) -> dict[str, Any]:
            response = self._send(
                request_id, "POST", path, content=content(), params=dict(params or {}),
                headers={"Content-Type": content_type},
            )  # fmt: skip
            body = _json(response)
            if response.is_error or not isinstance(body, dict):
                raise self._forget_refused(_http_error(response, body, request_id))
            return body

        return self._with_retries(attempt)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _graphql_error(error: Mapping[str, Any], request_id: str, status: int) -> CatalogError:
    """The first GraphQL error, typed by its code (CatalogUnavailable is retried)."""
    extensions = error.get("extensions") or {}
    field = extensions.get("field")
    return error_for(
        str(extensions.get("code") or "GRAPHQL_ERROR"),
        str(error.get("message", "unknown error")),
        field=str(field) if field is not None else None,
        request_id=request_id,
        status=status,
        extensions=extensions,
    )


def _http_error(response: httpx.Response, body: Any, request_id: str) -> CatalogError:
    """A REST error body (`{"error", "code", "field"}`), or the bare HTTP status."""
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        field = body.get("field")
        extensions: dict[str, Any] = {"code": body["code"]}
        with contextlib.suppress(KeyError, ValueError):
            extensions["retryAfterSeconds"] = float(response.headers["Retry-After"])
        return error_for(
            body["code"],
            str(body.get("error") or body.get("detail") or response.reason_phrase),
            field=str(field) if field is not None else None,
            request_id=request_id,
            status=response.status_code,
            extensions=extensions,
        )
    return CatalogError(
        response.text[:500] or "no data in the response",
        code=f"HTTP_{response.status_code}",
        request_id=request_id,
        status=response.status_code,
    )


def plain(value: object) -> object:
    """A value as JSON: mappings as objects, sequences as arrays, times in ISO 8601, enums by
    value."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
