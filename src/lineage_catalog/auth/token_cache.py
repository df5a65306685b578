"""Principals of recently checked tokens, kept for a few seconds (docs/security.md, "Token cache").

A token's principal is looked up in Neo4j once per `ttl_s` instead of on every request.
Whatever changes what a token may do (revocation, disabling or re-enabling an account,
roles, clearances) drops that account's entries here at once, so this process refuses a
revoked token at its next request; another process (worker, replica, the CLI) learns of
the change when its own entry is older than `ttl_s`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lineage_catalog.domain.auth import Principal

MAX_ENTRIES = 4096

# When a revoked token, or a disabled account's, stops working: said once here for the
# schema's descriptions that promise it (disableAccount, revokeToken, Person.active).
WHEN_REFUSED = (
    "refused from the next request on the API process that made the change, and on the "
    "others once their kept entry is older than the auth_token_cache_s setting "
    "(docs/security.md, Token cache)"
)


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    expires_at: datetime | None  # the token's own expiry, checked at every hit
    checked: float  # clock() when the database said so


class TokenCache:
    """Token hash -> principal for at most `ttl_s` seconds; `ttl_s` 0 keeps nothing."""

    def __init__(self, *, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        # Bumped by every invalidation: a lookup that began before it may have read the
        # state the invalidation replaced, so its answer is not kept (`put`).
        self._generation = 0

    def generation(self) -> int:
        """Pass to `put` the value read before the database lookup began."""
        return self._generation

    def get(self, token_hash: str) -> Principal | None:
        """The principal for a token checked less than ttl_s ago and not expired since."""
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if self._clock() - entry.checked >= self.ttl_s or (
            entry.expires_at is not None and entry.expires_at <= datetime.now(UTC)
        ):
            del self._entries[token_hash]
            return None
        return entry.principal

    def put(
        self,
        token_hash: str,
        principal: Principal,
        *,
        expires_at: datetime | None,
        generation: int,
        checked: float,
    ) -> None:
        """Keep a principal the database gave at `checked` (clock() before the lookup),
        unless an invalidation came since `generation` was read."""
        if self.ttl_s <= 0 or generation != self._generation:
            return
        if len(self._entries) >= MAX_ENTRIES:
            del self._entries[next(iter(self._entries))]  # the oldest one
        self._entries[token_hash] = _Entry(principal, expires_at, checked)

    def now(self) -> float:
        """The cache's clock, for `put`'s `checked`."""
        return self._clock()

    def forget_account(self, account: str) -> None:
        """Drop every entry of an account: its tokens are checked again at their next use."""
        self._generation += 1
        for token_hash in [h for h, e in self._entries.items() if e.principal.uid == account]:
            del self._entries[token_hash]
