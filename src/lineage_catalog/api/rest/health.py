"""Liveness, readiness (with the database) and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from lineage_catalog.api.rest.openapi import Alive, NotReady, Ready
from lineage_catalog.domain.errors import GraphUnavailableError
from lineage_catalog.metrics import Metrics
from lineage_catalog.store.graph import Graph

router = APIRouter()


def get_graph(request: Request) -> Graph:
    graph: Graph = request.app.state.graph
    return graph


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


GraphDep = Annotated[Graph, Depends(get_graph)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


@router.get("/healthz", tags=["health"], response_model=Alive)
async def healthz() -> dict[str, str]:
    """The process is up; says nothing of the database."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    tags=["health"],
    response_model=Ready,
    responses={503: {"model": NotReady, "description": "Neo4j does not answer."}},
)
async def readyz(graph: GraphDep) -> JSONResponse:
    """Ready to serve: Neo4j answers a query. 503 with the reason when it does not."""
    try:
        await graph.ping()
    except GraphUnavailableError as e:
        return JSONResponse({"status": "unavailable", "reason": str(e)}, status_code=503)
    return JSONResponse({"status": "ready", "database": graph.database})


@router.get("/metrics", tags=["health"], response_class=PlainTextResponse)
async def metrics(metrics: MetricsDep) -> Response:
    """Prometheus text exposition."""
    return Response(metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")
