"""The OpenLineage endpoints: `POST /api/v1/lineage` with one event (RunEvent, DatasetEvent
or JobEvent), the endpoint Marquez serves, and `POST /api/v1/lineage/batch` with a JSON
array of them (OpenLineage.yml's postEventBatch)."""

from __future__ import annotations

import zlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from lineage_catalog.api.auth import Writer, actor_of
from lineage_catalog.api.body import read_json
from lineage_catalog.api.rest.errors import error_response
from lineage_catalog.api.rest.health import GraphDep
from lineage_catalog.api.rest.openapi import (
    BATCH_BODY,
    EVENT_BODY,
    RECORDED,
    TIMED_OUT,
    TOKEN,
    BatchAnswer,
    Error,
    FieldError,
    token_refusals,
)
from lineage_catalog.domain.auth import Interface
from lineage_catalog.domain.errors import BadInputError, CatalogError, PayloadTooLargeError
from lineage_catalog.ingest.openlineage import parse_event, plan
from lineage_catalog.services.openlineage import RecordedEvent
from lineage_catalog.services.openlineage_events import (
    MAX_BATCH_EVENTS,
    BatchOutcome,
    Recorded,
    RecordedDataset,
    record_batch,
    record_event,
)
from lineage_catalog.store.graph import deadline

router = APIRouter()
MAX_EVENT_BYTES = 16 * 1024 * 1024
MAX_BATCH_BYTES = 64 * 1024 * 1024
_MIB = 1024 * 1024


@router.post(
    "/api/v1/lineage",
    status_code=201,
    tags=["OpenLineage"],
    dependencies=TOKEN,
    responses={
        201: RECORDED,
        400: {
            "model": FieldError,
            "description": "Not JSON, not a valid RunEvent, DatasetEvent or JobEvent, a known "
            "facet of the wrong shape, a name too long for a key, or not gzip; nothing is "
            "written.",
        },
        413: {
            "model": Error,
            "description": "The body, or what a gzip body inflates to, is larger than 16 MiB "
            "(PAYLOAD_TOO_LARGE).",
        },
        **token_refusals("writer"),
        **TIMED_OUT,
    },
    openapi_extra=EVENT_BODY,
)
async def post_lineage_event(request: Request, graph: GraphDep, caller: Writer) -> JSONResponse:
    """Record one event (writer role): 201 when stored, 400 with the reason (and nothing
    written)."""
    actor = actor_of(request, caller, Interface.OPENLINEAGE)
    try:
        raw = await request.body()
        body = _body(raw, request.headers.get("content-encoding"), limit=MAX_EVENT_BYTES)
        read_json(body)  # UTF-8, finite numbers, nesting: the rule every JSON body obeys
        event_plan = plan(parse_event(body))
        with deadline(request.app.state.settings.request_timeout_s):
            recorded = await record_event(graph, plan=event_plan, actor=actor)
    except CatalogError as e:
        return error_response(e)
    return JSONResponse(_answer(recorded), status_code=201)


def _answer(recorded: Recorded) -> dict[str, Any]:
    if isinstance(recorded, RecordedEvent):
        return {"run": recorded.run, "job": recorded.job, "status": recorded.status,
                "inputs": recorded.inputs, "outputs": recorded.outputs}  # fmt: skip
    if isinstance(recorded, RecordedDataset):
        return {"dataset": recorded.dataset, "version": recorded.version}
    return {"job": recorded.job, "inputs": recorded.inputs, "outputs": recorded.outputs}


@router.post(
    "/api/v1/lineage/batch",
    status_code=204,
    tags=["OpenLineage"],
    dependencies=TOKEN,
    response_class=Response,
    responses={
        204: {"description": "Every event of the batch is stored."},
        200: {
            "model": BatchAnswer,
            "description": "Some or all events did not land (each event is stored or not on "
            "its own): the counts, and each failed event's index, reason and whether sending "
            "it again may succeed.",
        },
        400: {
            "model": FieldError,
            "description": "The body is not JSON, not a JSON array, or not gzip; nothing is "
            "written.",
        },
        413: {
            "model": Error,
            "description": f"The body, or what a gzip body inflates to, is larger than "
            f"{MAX_BATCH_BYTES // _MIB} MiB, or it holds more than {MAX_BATCH_EVENTS} events "
            "(PAYLOAD_TOO_LARGE); nothing is written.",
        },
        **token_refusals("writer"),
    },
    openapi_extra=BATCH_BODY,
)
async def post_lineage_batch(request: Request, graph: GraphDep, caller: Writer) -> Response:
    """Record a batch of events (writer role), each in its own transaction: 204 when all
    landed, else 200 with what failed."""
    actor = actor_of(request, caller, Interface.OPENLINEAGE)
    try:
        raw = await request.body()
        body = _body(raw, request.headers.get("content-encoding"), limit=MAX_BATCH_BYTES)
        events = read_json(body)
        if not isinstance(events, list):
            raise BadInputError("body: a JSON array of events is expected", path=["body"])
        # Events run out of time one by one: those left are reported as retriable.
        with deadline(request.app.state.settings.request_timeout_s):
            outcome = await record_batch(
                graph, events=events, actor=actor, max_event_bytes=MAX_EVENT_BYTES,
                request_id=request.state.request_id,
            )  # fmt: skip
    except CatalogError as e:
        return error_response(e)
    if not outcome.failed:
        return Response(status_code=204)
    return JSONResponse(batch_answer(outcome), status_code=200)


def batch_answer(outcome: BatchOutcome) -> dict[str, Any]:
    """The spec's answer to a batch that did not land whole (docs/openlineage.md)."""
    retriable = sum(1 for f in outcome.failed if f.retriable)
    return {
        "status": "partial_success" if outcome.successful else "failure",
        "summary": {
            "received": outcome.received,
            "successful": outcome.successful,
            "failed": len(outcome.failed),
            "retriable": retriable,
            "non_retriable": len(outcome.failed) - retriable,
        },
        "failed_events": [
            {"index": f.index, "reason": f.reason, "retriable": f.retriable} for f in outcome.failed
        ],
    }


def _body(raw: bytes, encoding: str | None, *, limit: int) -> bytes:
    """The JSON body; the Python client's `compression: gzip` sends it gzipped."""
    if (encoding or "").strip().lower() == "gzip":
        # Bounded, so a small compressed body cannot expand without limit.
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            raw = inflater.decompress(raw, limit + 1)
        except zlib.error as e:
            raise BadInputError(f"body is not valid gzip: {e}", path=["body"]) from e
    if len(raw) > limit:
        raise PayloadTooLargeError(f"body larger than {limit // _MIB} MiB")
    return raw
