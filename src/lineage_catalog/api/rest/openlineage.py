"""The OpenLineage endpoint Marquez serves: `POST /api/v1/lineage` with one RunEvent."""

from __future__ import annotations

import zlib

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lineage_catalog.api.auth import Writer, actor_of
from lineage_catalog.api.rest.health import GraphDep
from lineage_catalog.api.rest.openapi import (
    RUN_EVENT_BODY,
    TOKEN,
    Error,
    EventRecorded,
    FieldError,
    token_refusals,
)
from lineage_catalog.domain.auth import Interface
from lineage_catalog.domain.errors import BadInputError, GraphUnavailableError
from lineage_catalog.ingest.openlineage import parse_run_event, plan_event
from lineage_catalog.services.openlineage import record_run_event

router = APIRouter()
MAX_EVENT_BYTES = 16 * 1024 * 1024


@router.post(
    "/api/v1/lineage",
    status_code=201,
    tags=["OpenLineage"],
    dependencies=TOKEN,
    response_model=EventRecorded,
    response_description="The event is stored.",
    responses={
        400: {
            "model": FieldError,
            "description": "Not JSON, not a valid RunEvent, a known facet of the wrong shape, "
            "a name too long for a key, not gzip, or inflated beyond 16 MiB; nothing is "
            "written.",
        },
        413: {"model": Error, "description": "The body is larger than 16 MiB."},
        **token_refusals("writer"),
    },
    openapi_extra=RUN_EVENT_BODY,
)
async def post_lineage_event(request: Request, graph: GraphDep, caller: Writer) -> JSONResponse:
    """Record one RunEvent (writer role): 201 when stored, 400 with the reason (and nothing
    written)."""
    actor = actor_of(request, caller, Interface.OPENLINEAGE)
    try:
        body = _event_body(await request.body(), request.headers.get("content-encoding"))
        plan = plan_event(parse_run_event(body))
        recorded = await record_run_event(graph, plan=plan, actor=actor)
    except GraphUnavailableError as e:
        return JSONResponse({"error": str(e)}, status_code=503)
    except BadInputError as e:
        field = ".".join(str(p) for p in e.path)
        return JSONResponse({"error": str(e), "field": field, "code": e.code}, status_code=400)
    return JSONResponse(
        {"run": recorded.run, "job": recorded.job, "status": recorded.status,
         "inputs": recorded.inputs, "outputs": recorded.outputs},
        status_code=201,
    )  # fmt: skip


def _event_body(raw: bytes, encoding: str | None) -> bytes:
    """The event's JSON; the Python client's `compression: gzip` sends it gzipped."""
    if (encoding or "").strip().lower() == "gzip":
        # Bounded, so a small compressed body cannot expand without limit.
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            raw = inflater.decompress(raw, MAX_EVENT_BYTES + 1)
        except zlib.error as e:
            raise BadInputError(f"body is not valid gzip: {e}", path=["body"]) from e
    if len(raw) > MAX_EVENT_BYTES:
        raise BadInputError("event larger than 16 MiB", path=["body"])
    return raw
