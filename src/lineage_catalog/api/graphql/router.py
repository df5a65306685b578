"""The GraphQL HTTP endpoint: Strawberry's ASGI view with the catalog's body rules."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from lineage_catalog.api.body import read_json
from lineage_catalog.api.bookmarks import add_given
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.domain.errors import BadInputError

# orjson writes datetimes, dataclasses and the like itself; passed through, they reach
# `_refused` and then json.dumps, which refuses them as before (execution has serialized
# every value the schema answers, so none of them is in a response).
_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _refused(value: object) -> object:
    raise TypeError


def encode_response(data: object) -> bytes:
    """A response as JSON: orjson, several times faster than json.dumps on a 10k-node
    page; json.dumps (Strawberry's own encoding) for what orjson cannot write exactly: an
    integer beyond 64 bits, a lone surrogate, a key that is not a string. A NaN or infinity
    (only in a JSON value stored around the write rules) is null, where json.dumps wrote
    NaN or Infinity, which are not JSON."""
    try:
        return orjson.dumps(data, default=_refused, option=_PASSTHROUGH)
    except TypeError:
        return json.dumps(data, separators=(",", ":")).encode()


class CatalogView(GraphQL[Context, None]):
    """Strawberry's ASGI view, served as a plain route (api/app.py) rather than through
    FastAPI's router, whose per-request dependency solving and nested routing cost about a
    sixth of a lookup's CPU. Refuses a body that is not plain JSON (invalid UTF-8, NaN or
    Infinity, nested too deep) with 400 and the reason, before any GraphQL work (see
    api/body.py); takes the bookmarks of `extensions.bookmarks` (api/bookmarks.py); answers
    with orjson. `context` builds each request's context; what it raises (RefusedError: 429
    before any GraphQL work) reaches the app's exception handlers."""

    def __init__(
        self, schema: BaseSchema, *, context: Callable[[Request], Awaitable[Context]]
    ) -> None:
        super().__init__(schema, graphql_ide=None)  # GraphiQL is the catalog's own page
        self._context = context

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request)  # the route is HTTP only: no subscriptions
        return await self._context(request)

    def encode_json(self, data: object) -> bytes:
        return encode_response(data)

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = read_json(data)
        except BadInputError as e:
            raise HTTPException(400, str(e)) from e
        if not isinstance(value, dict):
            # `null`, a batch (a list: batching is off) or a bare value is not a request.
            raise HTTPException(400, "body must be a JSON object: {query, variables}")
        extensions = value.get("extensions")
        if isinstance(extensions, dict) and "bookmarks" in extensions:
            try:
                add_given(extensions["bookmarks"])
            except BadInputError as e:
                raise HTTPException(400, f"extensions.bookmarks: {e}") from e
        return value
