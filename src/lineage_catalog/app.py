"""The FastAPI application: GraphQL, REST endpoints, and the lifespan that owns the driver."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import Route

from lineage_catalog.api.auth import RefusedError, caller, refused_response
from lineage_catalog.api.bookmarks import HEADER as BOOKMARKS_HEADER
from lineage_catalog.api.bookmarks import BookmarkMiddleware
from lineage_catalog.api.gc_tuning import tune_gc
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.router import CatalogView
from lineage_catalog.api.graphql.schema import build_schema
from lineage_catalog.api.limits import BodyLimitMiddleware, RateLimiter
from lineage_catalog.api.rest import health, ingest, marquez, openlineage, reports
from lineage_catalog.api.rest.middleware import RequestIdMiddleware
from lineage_catalog.api.web import add_pages
from lineage_catalog.domain.errors import RateLimitedError
from lineage_catalog.metrics import Metrics
from lineage_catalog.settings import Settings, get_settings
from lineage_catalog.store.graph import Graph, open_driver
from lineage_catalog.store.migrations import migrate

log = logging.getLogger("lineage_catalog")


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; its lifespan opens the one Neo4j driver and closes it at shutdown."""
    settings = settings or get_settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.auth_enabled:
            log.warning(
                "AUTHENTICATION IS OFF (LINEAGE_AUTH_ENABLED=false): every caller is an "
                "anonymous admin. Use this for a local demo only, never in production."
            )
        driver = open_driver(settings)
        app.state.graph = Graph.of(driver, settings, observer=metrics.observe_query)
        if settings.migrate_on_start:
            try:
                applied = await migrate(driver, database=settings.neo4j_database)
                for migration in applied:
                    log.info("applied migration V%04d %s", migration.version, migration.name)
            except Exception:
                # Start anyway: /readyz reports the database and the API recovers
                # once Neo4j is back; `lineage db migrate` re-runs the migrations.
                log.exception("migrations could not run at start-up")
        tune_gc()  # what start-up built stays; see api/gc_tuning.py
        try:
            yield
        finally:
            await driver.close()

    # No /docs or /redoc: FastAPI's pages load their scripts from a CDN; /openapi.json is
    # served, and the catalog's own pages are GraphiQL and the explorer (api/web.py).
    app = FastAPI(
        title="lineage-catalog", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.metrics = metrics
    if settings.rate_limit_per_s > 0:
        app.state.rate_limiter = RateLimiter(
            rate=settings.rate_limit_per_s, burst=settings.rate_limit_burst
        )

    async def context_getter(request: Request) -> Context:
        graph: Graph = request.app.state.graph
        principal, auth_error = await caller(request, graph=graph, settings=settings)
        if isinstance(auth_error, RateLimitedError):
            raise RefusedError(auth_error)  # 429 with Retry-After, before any GraphQL work
        return Context(
            graph=graph,
            settings=settings,
            metrics=metrics,
            request_id=request.state.request_id,
            principal=principal,
            auth_error=auth_error,
        )

    schema = build_schema(settings)
    app.state.schema = schema
    # GraphiQL is the catalog's own page (api/web.py, settings.graphiql), not Strawberry's,
    # which loads its scripts from a CDN; add_pages comes first so that its HTML route wins.
    add_pages(app, settings)
    # GET (queries only) and POST; described by the SDL, not by /openapi.json.
    graphql = CatalogView(schema, context=context_getter)
    app.router.routes.append(Route("/graphql", graphql, methods=["GET", "POST"]))
    app.include_router(health.router)
    app.include_router(ingest.router)
    app.include_router(openlineage.router)
    app.include_router(reports.router)
    app.include_router(marquez.router)

    app.add_exception_handler(RefusedError, refused_response)
    body_limits = {
        "/graphql": settings.max_graphql_body_bytes,
        "/api/v1/lineage": openlineage.MAX_EVENT_BYTES,
        "/api/v1/lineage/batch": openlineage.MAX_BATCH_BYTES,
        "/api/v1/load": ingest.MAX_BODY_BYTES,
    }
    app.add_middleware(BodyLimitMiddleware, limits=body_limits)
    app.add_middleware(BookmarkMiddleware)
    if settings.cors_origins:
        # Closed unless origins are configured: then only those, with the token header.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", BOOKMARKS_HEADER],
            expose_headers=["X-Request-ID", "Retry-After", BOOKMARKS_HEADER],
        )
    app.add_middleware(RequestIdMiddleware, metrics=metrics)
    return app
