"""The OpenLineage endpoint Marquez serves: `POST /api/v1/lineage` with one RunEvent."""

from __future__ import annotations

import zlib

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lineage_catalog.api.auth import Writer, actor_of
from lineage_catalog.api.rest.errors import error_response
from lineage_catalog.api.rest.health import GraphDep
from lineage_catalog.api.rest.openapi import (
    RUN_EVENT_BODY,
    TIMED_OUT,
    TOKEN,
    Error,
    EventRecorded,
    FieldError,
    token_refusals,
)
from lineage_catalog.domain.auth import Interface
from lineage_catalog.domain.errors import BadInputError, CatalogError, PayloadTooLargeError
from lineage_catalog.ingest.openlineage import parse_run_event, plan_event
from lineage_catalog.services.openlineage import record_run_event
from lineage_catalog.store.graph import deadline

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
            "a name too long for a key, or not gzip; nothing is written.",
        },
        413: {
            "model": Error,
            "description": "The body, or what a gzip body inflates to, is larger than 16 MiB "
            "(PAYLOAD_TOO_LARGE).",
        },
        **token_refusals("writer"),
        **TIMED_OUT,
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
        with deadline(request.app.state.settings.request_timeout_s):
            recorded = await record_run_event(graph, plan=plan, actor=actor)
    except CatalogError as e:
        return error_response(e)
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
        raise PayloadTooLargeError("event larger than 16 MiB")
    return raw
