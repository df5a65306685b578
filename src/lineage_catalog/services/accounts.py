"""Identity: tokens to principals, and the admin's changes to accounts (each audited)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from weakref import WeakKeyDictionary

from lineage_catalog.auth.token_cache import TokenCache
from lineage_catalog.auth.tokens import hash_token, new_token
from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor, Principal, Role
from lineage_catalog.domain.errors import BadInputError, NotFoundError, UnauthenticatedError
from lineage_catalog.domain.model import Kind, split_uid
from lineage_catalog.services import audit
from lineage_catalog.store import accounts, nodes
from lineage_catalog.store.graph import Graph, WriteTx

ACCOUNT_KINDS = frozenset({Kind.PERSON, Kind.SERVICE_ACCOUNT})

# One token cache per Graph, i.e. per app and database connection of this process: the
# changes below, made through a Graph, drop the entries of that Graph's cache at once.
_token_caches: WeakKeyDictionary[Graph, TokenCache] = WeakKeyDictionary()


def token_cache(
    graph: Graph, *, ttl_s: float, clock: Callable[[], float] = time.monotonic
) -> TokenCache:
    """The token cache of graph (created with ttl_s and clock on first use)."""
    cache = _token_caches.get(graph)
    if cache is None:
        cache = _token_caches[graph] = TokenCache(ttl_s=ttl_s, clock=clock)
    return cache


def _forget(graph: Graph, account: str) -> None:
    cache = _token_caches.get(graph)
    if cache is not None:
        cache.forget_account(account)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token as issued: the secret is shown this once and never stored."""

    token_id: str
    token: str
    account: str


async def authenticate(graph: Graph, *, token: str, cache_s: float = 0.0) -> Principal:
    """The principal behind a token; UnauthenticatedError for any token that does not work.

    With cache_s > 0 a working token's principal is kept that many seconds in this
    process (auth/token_cache.py): changes to the account made through this graph take
    effect at once, others (another process) within cache_s."""
    token_hash = hash_token(token)
    cache = token_cache(graph, ttl_s=cache_s) if cache_s > 0 else None
    if cache is not None and (cached := cache.get(token_hash)) is not None:
        return cached
    generation, checked = (cache.generation(), cache.now()) if cache is not None else (0, 0.0)
    found = await accounts.owner_of_token(graph, token_hash=token_hash)
    refused = UnauthenticatedError("the API token is not valid")
    if found is None or found.revoked_at is not None or not found.active:
        raise refused
    if found.expires_at is not None and found.expires_at <= datetime.now(UTC):
        raise refused
    principal = Principal(
        uid=found.uid,
        kind=Kind(found.kind),
        roles=frozenset(Role(r) for r in found.roles if r in Role._value2member_map_),
        clearances=frozenset(found.clearances),
    )
    if cache is not None:
        cache.put(
            token_hash, principal, expires_at=found.expires_at, generation=generation,
            checked=checked,
        )  # fmt: skip
    return principal


def account_uid(value: str, *, path: list[str | int]) -> str:
    """A Person:<email> or ServiceAccount:<key> id, checked."""
    kind, key = split_uid(value, path=path)
    if kind not in ACCOUNT_KINDS:
        raise BadInputError(f"{value!r} is not a Person or a ServiceAccount", path=path)
    return f"{kind.value}:{key}"


async def create_account(
    graph: Graph,
    *,
    actor: Actor,
    account: str,
    name: str | None,
    roles: list[Role],
    clearances: list[str],
    reason: str,
) -> None:
    """Create (or update) a person or service account and set its roles and clearances."""
    kind, key = split_uid(account)

    async def work(tx: WriteTx) -> None:
        (stored,) = await nodes.upsert_nodes(tx, kind=kind, rows=[(key, {"name": name})])
        before, after = await _set(tx, account, roles=roles, clearances=clearances)
        renamed = stored.before is None or stored.before.get("name") != stored.node.get("name")
        if renamed or before != after:
            after = {**after, "name": stored.node.get("name")}
            change = Change("account.create", account, before, after, reason)
            await audit.record(tx, actor=actor, changes=[change])

    await graph.write(work)
    _forget(graph, account)


async def set_access(
    graph: Graph,
    *,
    actor: Actor,
    account: str,
    reason: str,
    roles: list[Role] | None = None,
    clearances: list[str] | None = None,
    active: bool | None = None,
) -> dict[str, object]:
    """Grant or withdraw roles and clearances, or disable / enable an account."""
    action = (
        "account.access" if active is None else ("account.enable" if active else "account.disable")
    )

    async def work(tx: WriteTx) -> dict[str, object]:
        before, after = await _set(tx, account, roles=roles, clearances=clearances, active=active)
        if before != after:
            await audit.record(
                tx, actor=actor, changes=[Change(action, account, before, after, reason)]
            )
        return after

    after = await graph.write(work)
    _forget(graph, account)
    return after


async def _set(
    tx: WriteTx,
    account: str,
    *,
    roles: list[Role] | None = None,
    clearances: list[str] | None = None,
    active: bool | None = None,
) -> tuple[dict[str, object], dict[str, object]]:
    changed = await accounts.set_access(
        tx,
        account=account,
        roles=sorted({r.value for r in roles}) if roles is not None else None,
        clearances=sorted(set(clearances)) if clearances is not None else None,
        active=active,
    )
    if changed is None:
        raise NotFoundError(f"no account {account!r}")
    return changed


async def issue_token(
    graph: Graph,
    *,
    actor: Actor,
    account: str,
    name: str,
    expires_at: datetime | None = None,
    reason: str | None = None,
) -> IssuedToken:
    """A new token for an account; only its hash is stored, and the issue is audited."""
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise BadInputError("expiresAt is in the past", path=["expiresAt"])
    token_id, token = new_token()

    async def work(tx: WriteTx) -> None:
        created = await accounts.create_token(
            tx, account=account, token_id=token_id, token_hash=hash_token(token), name=name,
            expires_at=expires_at,
        )  # fmt: skip
        if not created:
            raise NotFoundError(f"no account {account!r}")
        after = {"token": token_id, "name": name, "expires_at": expires_at}
        await audit.record(
            tx, actor=actor, changes=[Change("token.issue", account, None, after, reason)]
        )

    await graph.write(work)
    return IssuedToken(token_id=token_id, token=token, account=account)


async def revoke_token(graph: Graph, *, actor: Actor, token_id: str, reason: str) -> str:
    """Revoke a token at once; returns its account."""

    async def work(tx: WriteTx) -> str:
        found = await accounts.revoke_token(tx, token_id=token_id)
        if found is None:
            raise NotFoundError(f"no token {token_id!r}")
        if found["was_revoked"] is None:
            change = Change("token.revoke", found["account"], {"token": token_id}, None, reason)
            await audit.record(tx, actor=actor, changes=[change])
        return str(found["account"])

    account = await graph.write(work)
    _forget(graph, account)
    return account


async def bootstrap_admin(
    graph: Graph,
    *,
    actor: Actor,
    email: str,
    name: str | None,
    clearances: Sequence[str] = (),
) -> IssuedToken:
    """The first admin (or another one, from the server's host): a person with every role."""
    account = f"{Kind.PERSON.value}:{email}"
    await create_account(
        graph, actor=actor, account=account, name=name, roles=list(Role),
        clearances=list(clearances),
        reason="admin bootstrapped from the server's host",
    )  # fmt: skip
    return await issue_token(
        graph, actor=actor, account=account, name="bootstrap",
        reason="admin bootstrapped from the server's host",
    )  # fmt: skip
