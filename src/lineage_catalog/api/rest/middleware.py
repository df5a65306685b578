"""Pure ASGI middleware: request ids and per-route HTTP metrics, without buffering bodies."""

from __future__ import annotations

import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage_catalog.logs import log_request, request_fields
from lineage_catalog.metrics import Metrics


class RequestIdMiddleware:
    """Gives each request an id (X-Request-ID, or a new one), echoes it, counts the response
    and logs its request line (logs.log_request) with what the handlers added to it."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        # Bounded and printable, since it ends up in logs and audit events.
        request_id = given if given.isprintable() and 0 < len(given) <= 128 else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()
        fields: dict[str, object] = {"request_id": request_id}
        token = request_fields.set(fields)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_fields.reset(token)
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.http_requests.labels(route=route, status=str(status)).inc()
            log_request(fields, method=scope["method"], path=scope["path"], status=status,
                        started=started)  # fmt: skip
