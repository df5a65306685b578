"""Q7 as a document: the compliance report of a model version in JSON, Markdown, HTML or
PDF."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from lineage_catalog.api.auth import rest_principal
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.rest.errors import error_response
from lineage_catalog.api.rest.openapi import TIMED_OUT, TOKEN, Error, token_refusals
from lineage_catalog.domain.auth import Principal, Role
from lineage_catalog.domain.errors import CatalogError
from lineage_catalog.reporting import MEDIA_TYPES, render, report_data, to_pdf

router = APIRouter()
Reader = Annotated[Principal, rest_principal(Role.READER)]


class ReportFormat(StrEnum):
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"
    PDF = "pdf"


@router.get(
    "/api/v1/reports/compliance/{model_version}",
    tags=["reports"],
    dependencies=TOKEN,
    response_description="The report, in the format asked for (HTML by default).",
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "text/markdown": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            }
        },
        400: {"model": Error, "description": "The report's query refused its input."},
        404: {"model": Error, "description": "No such model version (NOT_FOUND)."},
        **token_refusals("reader"),
        **TIMED_OUT,
    },
)
async def compliance_report(
    model_version: Annotated[str, Path(description="<model>@<version>, e.g. credit-risk@2")],
    request: Request,
    caller: Reader,
    format: ReportFormat = ReportFormat.HTML,
) -> Response:
    """The report of <model>@<version> (reader role): 404 when there is no such version."""
    state = request.app.state
    context = Context(graph=state.graph, settings=state.settings, metrics=state.metrics,
                      request_id=request.state.request_id, principal=caller)  # fmt: skip
    try:
        data = await report_data(state.schema, context=context, model_version=model_version)
        if format is ReportFormat.PDF:
            # Chromium prints for a second or two: off the event loop.
            pdf = await asyncio.to_thread(to_pdf, data, chromium=state.settings.chromium_path)
            return Response(pdf, media_type=MEDIA_TYPES["pdf"])
    except CatalogError as e:
        return error_response(e)
    return Response(render(data, format.value), media_type=MEDIA_TYPES[format.value])
