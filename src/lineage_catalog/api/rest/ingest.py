"""Bulk loads over HTTP, for pipelines that cannot run the CLI: an Arrow IPC (or Parquet)
body, the same loader as `lineage load`."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from lineage_catalog.api.auth import Writer, actor_of
from lineage_catalog.api.rest.errors import error_response
from lineage_catalog.api.rest.health import GraphDep
from lineage_catalog.api.rest.openapi import BULK_BODY, TOKEN, Error, LoadAnswer, token_refusals
from lineage_catalog.domain.auth import Interface
from lineage_catalog.domain.errors import CatalogError
from lineage_catalog.ingest.arrow import LoadKind
from lineage_catalog.services.bulk_load import load

router = APIRouter()
MAX_BODY_BYTES = 512 * 1024 * 1024
MAX_REJECTS_SHOWN = 1000


@router.post(
    "/api/v1/load/{kind}",
    tags=["bulk load"],
    dependencies=TOKEN,
    response_model=LoadAnswer,
    response_description="Every row landed.",
    responses={
        207: {"model": LoadAnswer, "description": "Some rows were rejected; the rest landed."},
        400: {"model": Error, "description": "The body is not Parquet or Arrow IPC."},
        413: {
            "model": Error,
            "description": "The body is larger than 512 MiB (PAYLOAD_TOO_LARGE): split it.",
        },
        **token_refusals("writer"),
    },
    openapi_extra=BULK_BODY,
)
async def load_arrow(
    kind: Annotated[LoadKind, Path(description="What the rows are (docs/bulk-load.md).")],
    request: Request,
    graph: GraphDep,
    caller: Writer,
    reason: Annotated[
        str | None,
        Query(
            max_length=2000,
            description="Why: needed by ownership, classification and serving rows.",
        ),
    ] = None,
) -> JSONResponse:
    """Load the body's rows (writer role; ownership and classification rows need approver,
    serving history admin, each a reason); 200 when all landed, 207 with the rejects."""
    body = await request.body()  # at most MAX_BODY_BYTES: BodyLimitMiddleware
    actor = actor_of(request, caller, Interface.BULK)
    try:
        report = await load(
            graph, source=io.BytesIO(body), kind=kind, actor=actor, reason=reason,
            roles=caller.roles,
        )  # fmt: skip
    except CatalogError as e:
        # 503 when the database went away mid-load: whole batches landed, re-running is safe.
        return error_response(e)
    rejects = [
        {"row": r.row, "field": r.field, "code": r.code, "reason": r.reason}
        for r in report.rejects[:MAX_REJECTS_SHOWN]
    ]
    return JSONResponse(
        {"kind": kind.value, "rows": report.rows, "loaded": report.loaded,
         "rejected": len(report.rejects), "rejects": rejects},
        status_code=207 if report.rejects else 200,
    )  # fmt: skip
