"""The browser pages, served from the catalog's own origin: GraphiQL (GET /graphql when a
browser asks for HTML) and the lineage explorer (/explore), with their assets under /assets.

The assets are built from web/ (npm packages pinned in web/package-lock.json) into
lineage_catalog/_web by scripts/bootstrap (the Docker image builds them too); nothing is
fetched from another origin at run time, and the pages' Content-Security-Policy says so.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from lineage_catalog.settings import Settings

WEB_DIR = Path(__file__).resolve().parents[1] / "_web"

# Only this origin: scripts, styles, XHR. Fonts and icons embedded in the stylesheets are data:
# URLs (GraphiQL ships its fonts that way), so font-src and img-src allow data: as well.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
ASSET_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
ASSETS = {
    "graphiql.js": "text/javascript",
    "graphiql.css": "text/css",
    "explore.js": "text/javascript",
    "explore.css": "text/css",
}


def _wants_html(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"accept":
            return b"text/html" in value
    return False


class HtmlOnlyRoute(APIRoute):
    """A route that only matches requests whose Accept header asks for HTML, so that GraphQL
    over GET (an API client's Accept: application/json) still reaches the GraphQL router."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and not _wants_html(scope):
            return Match.NONE, {}
        return match, child


def _page(*, title: str, asset: str, body: str, settings: Settings) -> Response:
    if not (WEB_DIR / f"{asset}.js").is_file():
        return HTMLResponse(
            "<!doctype html><title>Web pages not built</title><h1>The web pages are not built"
            "</h1><p>Run <code>./scripts/bootstrap</code> (it installs the npm packages from "
            "web/package-lock.json and builds them).</p>",
            status_code=503,
            headers=PAGE_HEADERS,
        )
    auth = "on" if settings.auth_enabled else "off"
    text = (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<link rel="stylesheet" href="/assets/{asset}.css">\n'
        f'<script defer src="/assets/{asset}.js"></script>\n'
        f'</head>\n<body data-auth="{auth}">\n{body}\n</body>\n</html>\n'
    )
    return HTMLResponse(text, headers=PAGE_HEADERS)


def add_pages(app: FastAPI, settings: Settings) -> None:
    """Register the pages and their assets; GraphiQL only when settings.graphiql is on.
    Call before the GraphQL router is included, so the HTML route is tried first."""
    router = APIRouter()

    if settings.graphiql:

        async def graphiql_page() -> Response:
            return _page(
                title="lineage-catalog · GraphiQL",
                asset="graphiql",
                body='<div id="graphiql" class="graphiql-page">Loading GraphiQL…</div>',
                settings=settings,
            )

        router.add_api_route(
            "/graphql",
            graphiql_page,
            methods=["GET"],
            route_class_override=HtmlOnlyRoute,
            include_in_schema=False,
        )

    @router.get("/explore", include_in_schema=False)
    async def explore_page() -> Response:
        return _page(
            title="lineage-catalog · Lineage explorer",
            asset="explore",
            body='<div id="app"><noscript>The lineage explorer needs JavaScript.</noscript></div>',
            settings=settings,
        )

    @router.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        # No icon: an empty answer instead of a 404 in every browser console.
        return Response(status_code=204, headers=ASSET_HEADERS)

    @router.get("/assets/{name}", include_in_schema=False)
    async def asset(name: str) -> Any:
        media_type = ASSETS.get(name)
        path = WEB_DIR / name
        if media_type is None or not path.is_file():
            return Response(status_code=404, headers=ASSET_HEADERS)
        return FileResponse(path, media_type=media_type, headers=ASSET_HEADERS)

    app.include_router(router)
