"""Protection for a shared service: per-principal request rates and request body sizes."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage_catalog.domain.errors import RateLimitedError


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets, one per principal (or client address): `rate` requests a second on
    average, bursts up to `burst`. Buckets live in this process; the least recently seen
    are forgotten past `max_keys`, which only ever forgives a caller, never blocks one."""

    def __init__(self, *, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str) -> None:
        """Spend one request of key's bucket, or raise RateLimitedError with when to retry."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        bucket = self._buckets.pop(key, None) or _Bucket(tokens=float(self.burst), at=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[key] = bucket
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens < 1:
            wait = (1 - bucket.tokens) / self.rate
            raise RateLimitedError(
                f"too many requests: {self.rate:g} a second on average, bursts of "
                f"{self.burst}; retry in {wait:.2f} s",
                retry_after_s=wait,
            )
        bucket.tokens -= 1


def retry_after_header(error: RateLimitedError) -> str:
    """Retry-After in whole seconds, rounded up (at least 1)."""
    return str(max(1, math.ceil(error.retry_after_s)))


class BodyLimitMiddleware:
    """Answers 413 when a request body is bigger than its route allows: at once from
    Content-Length, or as soon as a streamed (chunked) body passes the limit, so no route
    ever buffers more than its limit. `limits` maps path prefixes to byte counts."""

    def __init__(self, app: ASGIApp, *, limits: dict[str, int]) -> None:
        self.app = app
        self.limits = sorted(limits.items(), key=lambda item: -len(item[0]))

    def _limit(self, path: str) -> int | None:
        return next((n for prefix, n in self.limits if path.startswith(prefix)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0
        refused = False
        started = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await _too_large(send, limit)
        except Exception:
            if not refused or started:
                raise
            # The route caught the refusal and failed on its own; the answer is still 413.
            await _too_large(send, limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (
        b'{"error":"request body larger than '
        + str(limit).encode()
        + b' bytes","code":"PAYLOAD_TOO_LARGE"}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
