"""Read-your-writes across API instances: the Neo4j bookmarks a request is given and the
one its writes leave (docs/scaling.md, "Reading your writes").

Every HTTP request may send `Neo4j-Bookmarks` (one or more bookmarks, comma-separated) and
a GraphQL request may also send them in its body, `extensions.bookmarks`; each statement
of the request then runs after the transactions they name. A request that wrote answers
the bookmark of its last write: in the `Neo4j-Bookmarks` response header, and for GraphQL
in `extensions.bookmarks` too."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage_catalog.api.rest.errors import error_response
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.store.graph import Causality, current_causality, parse_bookmarks

HEADER = "Neo4j-Bookmarks"
_HEADER = HEADER.lower().encode("latin-1")


def given_in_headers(headers: list[tuple[bytes, bytes]]) -> tuple[str, ...]:
    """The bookmarks of every Neo4j-Bookmarks header, comma-separated; BadInputError
    (path: the header) for any that is not a bookmark's shape."""
    values: list[str] = []
    for name, value in headers:
        if name == _HEADER:
            values += [v.strip() for v in value.decode("latin-1").split(",") if v.strip()]
    return parse_bookmarks(values, path=[HEADER]) if values else ()


class BookmarkMiddleware:
    """Sets the request's Causality from its header, and answers the written bookmark."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            causality = Causality(given=given_in_headers(scope["headers"]))
        except BadInputError as e:
            await error_response(e)(scope, receive, send)
            return

        async def send_bookmark(message: Message) -> None:
            if message["type"] == "http.response.start" and causality.written:
                headers = list(message.get("headers", []))
                headers.append((_HEADER, ",".join(causality.written).encode("latin-1")))
                message["headers"] = headers
            await send(message)

        token = current_causality.set(causality)
        try:
            await self.app(scope, receive, send_bookmark)
        finally:
            current_causality.reset(token)


def add_given(value: object) -> None:
    """Adds a GraphQL request's `extensions.bookmarks` (checked by the router) to the
    request's Causality."""
    causality = current_causality.get()
    given = parse_bookmarks(value, path=["extensions", "bookmarks"])
    if causality is not None and given:
        causality.given = (*causality.given, *given)


def written() -> list[str] | None:
    """The bookmark the request's last write left, or None when it wrote nothing."""
    causality = current_causality.get()
    return list(causality.written) if causality is not None and causality.written else None
