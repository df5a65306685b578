"""Accounts and tokens in Neo4j: a person or service account node carries roles,
clearances and an active flag; (:ApiToken {hash})-[:TOKEN_OF]->(account)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.nodes import native, now


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """A token's state and the account behind it, as stored."""

    token_id: str
    revoked_at: datetime | None
    expires_at: datetime | None
    uid: str
    kind: str
    roles: list[str]
    clearances: list[str]
    active: bool


async def owner_of_token(graph: Graph, *, token_hash: str) -> TokenOwner | None:
    """The account and token state for a token hash (one indexed read)."""
    rows = await graph.read("accounts/principal_by_token", hash=token_hash)
    if not rows:
        return None
    row = rows[0]
    return TokenOwner(
        token_id=row["token_id"],
        revoked_at=native(row["revoked_at"]),
        expires_at=native(row["expires_at"]),
        uid=row["uid"],
        kind=row["kind"],
        roles=list(row["roles"]),
        clearances=list(row["clearances"]),
        active=bool(row["active"]),
    )


async def create_token(
    tx: WriteTx,
    *,
    account: str,
    token_id: str,
    token_hash: str,
    name: str,
    expires_at: datetime | None,
) -> bool:
    """Store a token's hash for an account; False when there is no such account."""
    rows = await tx.run(
        "accounts/create_token",
        account=account,
        id=token_id,
        hash=token_hash,
        name=name,
        expires_at=expires_at,
        now=now(),
    )
    return bool(rows)


async def revoke_token(tx: WriteTx, *, token_id: str) -> dict[str, Any] | None:
    """Revoke a token; its account, name and earlier revocation, or None if unknown."""
    rows = await tx.run("accounts/revoke_token", id=token_id, now=now())
    return {k: native(v) for k, v in rows[0].items()} if rows else None


async def set_access(
    tx: WriteTx,
    *,
    account: str,
    roles: list[str] | None = None,
    clearances: list[str] | None = None,
    active: bool | None = None,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Change an account's access; (before, after), or None when there is no such account."""
    rows = await tx.run(
        "accounts/set_access", account=account, roles=roles, clearances=clearances, active=active
    )
    return (rows[0]["before"], rows[0]["after"]) if rows else None


async def account(graph: Graph, *, uid: str) -> dict[str, Any] | None:
    """An account's roles, clearances, active flag and tokens."""
    rows = await graph.read("accounts/account", account=uid)
    if not rows:
        return None
    row = rows[0]
    row["tokens"] = [
        {k: native(v) for k, v in t.items()} for t in row["tokens"] if t.get("id") is not None
    ]
    return row
