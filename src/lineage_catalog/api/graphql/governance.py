"""Governance in GraphQL: the audit trail (Q5), accounts, roles, clearances and tokens."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from lineage_catalog.api.graphql.arguments import AccountId, After, First, OptionalReason, Reason
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.enums import described_enum
from lineage_catalog.api.graphql.pagination import (
    Connection,
    connection,
    decode_cursor,
    page_size,
    selects,
)
from lineage_catalog.api.graphql.types import Classification, may_read
from lineage_catalog.auth.policy import restricted_props
from lineage_catalog.auth.token_cache import WHEN_REFUSED
from lineage_catalog.domain.audit import AuditEvent as AuditRecord
from lineage_catalog.domain.auth import Role
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, check_email, check_key, split_uid
from lineage_catalog.services import accounts, registry
from lineage_catalog.services.audit import checked_reason
from lineage_catalog.store import accounts as account_store
from lineage_catalog.store import audit as audit_store

GqlRole = described_enum(
    Role,
    name="Role",
    description="What an account may do. Admin holds every role; every role may read.",
    values={
        Role.READER: "Every query.",
        Role.WRITER: "Register and record: GraphQL mutations, OpenLineage events, bulk loads.",
        Role.APPROVER: "Stage transitions, approvals, classification, ownership and serving.",
        Role.ADMIN: "Accounts, tokens, roles and clearances; and everything else.",
    },
)
_DOCUMENT = (
    "The target as it was {side} the change. Restricted properties (a PII version's schema "
    "and sample) are null for a caller without the clearance and listed under `redacted`; "
    "each such read is in the access log."
)


@strawberry.type(description="One audited change: who, what, when, why, before and after.")
class AuditEvent:
    seq: int = strawberry.field(
        description="The event's place in the hash chain: 1, 2, 3, ... in the order written."
    )
    time: datetime = strawberry.field(description="When the change was made (UTC).")
    actor: str = strawberry.field(description="Person:<email> or ServiceAccount:<key>.")
    actor_kind: str = strawberry.field(description="person or agent")
    interface: str = strawberry.field(
        description="Where the change came in: graphql, rest, openlineage, bulk or cli."
    )
    request_id: str = strawberry.field(
        description="The id of the request that made it (the X-Request-ID the caller got)."
    )
    action: str = strawberry.field(
        description="What was done, e.g. register.Dataset, stage.transition, ownership.set."
    )
    target: str = strawberry.field(description="Id of the thing changed (`<Kind>:<key>`).")
    reason: str | None = strawberry.field(
        description="The reason stated; required for governance changes, else may be null."
    )
    hash: str = strawberry.field(
        description="SHA-256 (hex) of this event's content and prevHash; `lineage audit "
        "verify` recomputes it."
    )
    prev_hash: str = strawberry.field(
        description="The hash of the event before it in the chain (seq - 1)."
    )
    _before: strawberry.Private[Any]
    _after: strawberry.Private[Any]

    @strawberry.field(description=_DOCUMENT.format(side="before"))
    async def before(self, info: Info[Context, None]) -> JSON | None:
        return cast("JSON | None", await _readable(info, self.target, self._before, side="before"))

    @strawberry.field(description=_DOCUMENT.format(side="after"))
    async def after(self, info: Info[Context, None]) -> JSON | None:
        return cast("JSON | None", await _readable(info, self.target, self._after, side="after"))

    @staticmethod
    def from_record(record: AuditRecord) -> AuditEvent:
        return AuditEvent(
            seq=record.seq,
            time=record.time,
            actor=record.actor,
            actor_kind=record.actor_kind,
            interface=record.interface,
            request_id=record.request_id,
            action=record.action,
            target=record.target,
            reason=record.reason,
            hash=record.hash,
            prev_hash=record.prev_hash,
            _before=json.loads(record.before),
            _after=json.loads(record.after),
        )


async def _readable(info: Info[Context, None], target: str, document: Any, *, side: str) -> Any:
    """The document with each restricted property the caller may not read set to null and
    named under `redacted`; the hash covers the stored document, which is unchanged."""
    if not isinstance(document, dict):
        return document
    hidden = [
        prop
        for prop in restricted_props(target, document)
        if not await may_read(info, target, prop, logged_as=f"audit.{side}.{prop}")
    ]
    if not hidden:
        return document
    return {**document, **dict.fromkeys(hidden), "redacted": hidden}


@strawberry.type(
    description="An API token of an account, without its secret (which is stored only hashed)."
)
class ApiToken:
    id: str = strawberry.field(description="The token's id, for revokeToken.")
    name: str | None = strawberry.field(description="A name given at issue, e.g. airflow-prod.")
    created_at: datetime | None = strawberry.field(description="When it was issued (UTC).")
    expires_at: datetime | None = strawberry.field(
        description="When it stops working (UTC); null: never."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked (UTC); null: not revoked."
    )


@strawberry.type(description="A person or service account's access (admin only).")
class Account:
    id: strawberry.ID = strawberry.field(
        description="The account's id: Person:<email> or ServiceAccount:<key>."
    )
    roles: list[str] = strawberry.field(
        description="Its roles (reader, writer, approver, admin), sorted."
    )
    clearances: list[str] = strawberry.field(
        description="Keys of the restricted classifications whose data it may read, sorted."
    )
    active: bool = strawberry.field(description="False when disabled: none of its tokens works.")
    tokens: list[ApiToken] = strawberry.field(description="Its tokens, revoked ones included.")


@strawberry.type(description="A read of a restricted field, granted or refused.")
class AccessRead:
    time: datetime = strawberry.field(description="When it was read (UTC).")
    actor: str = strawberry.field(
        description="Who read it: Person:<email> or ServiceAccount:<key>."
    )
    request_id: str = strawberry.field(description="The request that read it.")
    target: str = strawberry.field(description="Id of the node whose field was read.")
    field: str = strawberry.field(
        description="The field read: schema, sample, or audit.before.<prop> / audit.after.<prop>."
    )
    granted: bool = strawberry.field(
        description="True: the value was shown; false: null was shown (no clearance)."
    )


@strawberry.type(description="A new token: the secret is shown this once and never stored.")
class IssuedToken:
    token_id: str = strawberry.field(description="The token's id, for revokeToken.")
    token: str = strawberry.field(
        description="The secret, to send as `Authorization: Bearer <token>`; keep it safe."
    )
    account: strawberry.ID = strawberry.field(description="The account the token belongs to.")


@strawberry.input(description="An account to create or update, with its roles.")
class AccountInput:
    id: strawberry.ID = strawberry.field(description="Person:<email> or ServiceAccount:<key>.")
    name: str | None = strawberry.field(
        default=None, description="The person's or service account's display name."
    )
    roles: list[GqlRole] = strawberry.field(  # type: ignore[valid-type]
        description="Its roles; they replace the roles it had."
    )
    clearances: list[str] = strawberry.field(
        default_factory=list, description="Classification keys whose restricted data it may read."
    )


def _account(value: str, path: list[str | int]) -> str:
    checked = accounts.account_uid(value, path=path)
    kind, key = split_uid(checked)
    if kind is Kind.PERSON:
        return f"{kind.value}:{check_email(key, path=path)}"
    return f"{kind.value}:{check_key(key, path=path)}"


def _clearances(values: list[str], path: list[str | int]) -> list[str]:
    return [check_key(v, path=[*path, i]) for i, v in enumerate(values)]


async def _account_view(info: Info[Context, None], uid: str) -> Account | None:
    found = await account_store.account(info.context.graph, uid=uid)
    if found is None:
        return None
    return Account(
        id=strawberry.ID(found["uid"]),
        roles=sorted(found["roles"]),
        clearances=sorted(found["clearances"]),
        active=bool(found["active"]),
        tokens=[
            ApiToken(
                id=t["id"],
                name=t.get("name"),
                created_at=t.get("created_at"),
                expires_at=t.get("expires_at"),
                revoked_at=t.get("revoked_at"),
            )
            for t in found["tokens"]
        ],
    )


@strawberry.type
class GovernanceQuery:
    @strawberry.field(
        description="Q5: audit events newest first; filter by target ids, actor, action "
        "(prefix, e.g. 'stage.' or 'register.') and time range [since, until)."
    )
    async def audit_trail(
        self,
        info: Info[Context, None],
        target: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Only events on these ids; null: any target."),
        ] = None,
        actor: Annotated[
            str | None,
            strawberry.argument(
                description="Only events by this actor, Person:<email> or ServiceAccount:<key>."
            ),
        ] = None,
        action: Annotated[
            str | None,
            strawberry.argument(
                description="Only actions starting with this, e.g. stage. or register.Dataset."
            ),
        ] = None,
        since: Annotated[
            datetime | None, strawberry.argument(description="Only events at or after this time.")
        ] = None,
        until: Annotated[
            datetime | None, strawberry.argument(description="Only events before this time.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[AuditEvent]:
        size = page_size(first, info.context.settings)
        cursor = decode_cursor(after)
        if cursor and not cursor.isdigit():
            raise BadInputError("malformed cursor", path=["after"])
        filters: dict[str, Any] = {
            "targets": [str(t) for t in target] if target else None,
            "actor": actor,
            "action": action,
            "since": since,
            "until": until,
        }
        graph = info.context.graph
        page = audit_store.trail(
            graph, before=int(cursor) if cursor else None, limit=size + 1, **filters
        )
        total: int | None = None
        if selects(info, "totalCount"):  # the count alongside the page, not after it
            found, total = await asyncio.gather(page, audit_store.trail_count(graph, **filters))
        else:
            found = await page
        items = [(str(e.seq), AuditEvent.from_record(e)) for e in found[:size]]
        return connection(items, has_next=len(found) > size, after=cursor, total=total)

    @strawberry.field(description="Reads of restricted fields, newest first (admin).")
    async def access_log(
        self,
        info: Info[Context, None],
        target: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only reads of this node's fields, by id."),
        ] = None,
        actor: Annotated[
            str | None,
            strawberry.argument(description="Only reads by this actor, e.g. Person:<email>."),
        ] = None,
        first: First = None,
    ) -> list[AccessRead]:
        found = await audit_store.access_reads(
            info.context.graph, target=target, actor=actor,
            limit=page_size(first, info.context.settings),
        )  # fmt: skip
        return [
            AccessRead(time=r["time"], actor=r["actor"], request_id=r["request_id"],
                       target=r["target"], field=r["field"], granted=r["granted"])
            for r in found
        ]  # fmt: skip

    @strawberry.field(
        description="An account's roles, clearances and tokens (admin); null if there is none."
    )
    async def account(self, info: Info[Context, None], id: AccountId) -> Account | None:
        return await _account_view(info, _account(id, ["id"]))


def _reason(reason: str) -> str:
    return checked_reason(reason, path=["reason"], required=True) or ""


@strawberry.type
class GovernanceMutation:
    @strawberry.mutation(
        description="Make a classification restricted or lift the restriction (admin, with a "
        "reason): it decides who reads the schema and sample of everything it classifies. "
        "Audited as `classification.restricted` with before and after."
    )
    async def set_classification_restricted(
        self,
        info: Info[Context, None],
        key: Annotated[str, strawberry.argument(description="The classification's key, e.g. PII.")],
        restricted: Annotated[
            bool, strawberry.argument(description="True: restrict; false: lift the restriction.")
        ],
        reason: Reason,
    ) -> Classification:
        node = await registry.set_governed(
            info.context.graph, actor=info.context.actor, action="classification.restricted",
            kind=Kind.CLASSIFICATION, key=check_key(key, path=["key"]), path=["key"],
            props={"restricted": restricted}, reason=_reason(reason),
        )  # fmt: skip
        return Classification.from_node(node)

    @strawberry.mutation(description="Create or update an account with roles (admin).")
    async def create_account(
        self,
        info: Info[Context, None],
        input: Annotated[AccountInput, strawberry.argument(description="The account.")],
        reason: Reason,
    ) -> Account:
        uid = _account(input.id, ["input", "id"])
        await accounts.create_account(
            info.context.graph,
            actor=info.context.actor,
            account=uid,
            name=input.name,
            roles=[Role(r) for r in input.roles],
            clearances=_clearances(input.clearances, ["input", "clearances"]),
            reason=_reason(reason),
        )
        return await _account_view(info, uid)  # type: ignore[return-value]

    @strawberry.mutation(description="Set an account's roles and clearances (admin).")
    async def set_access(
        self,
        info: Info[Context, None],
        account: AccountId,
        reason: Reason,
        roles: Annotated[
            list[GqlRole] | None,  # type: ignore[valid-type]
            strawberry.argument(description="The roles it should have; null: unchanged."),
        ] = None,
        clearances: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Classification keys it should be cleared for; null: unchanged."
            ),
        ] = None,
    ) -> Account:
        uid = _account(account, ["account"])
        await accounts.set_access(
            info.context.graph,
            actor=info.context.actor,
            account=uid,
            reason=_reason(reason),
            roles=[Role(r) for r in roles] if roles is not None else None,
            clearances=_clearances(clearances, ["clearances"]) if clearances is not None else None,
        )
        return await _account_view(info, uid)  # type: ignore[return-value]

    @strawberry.mutation(description=f"Disable an account (admin): its tokens are {WHEN_REFUSED}.")
    async def disable_account(
        self, info: Info[Context, None], account: AccountId, reason: Reason
    ) -> Account:
        return await _set_active(info, account, reason, active=False)

    @strawberry.mutation(description="Enable a disabled account again (admin).")
    async def enable_account(
        self, info: Info[Context, None], account: AccountId, reason: Reason
    ) -> Account:
        return await _set_active(info, account, reason, active=True)

    @strawberry.mutation(description="A new API token for an account, shown once (admin).")
    async def issue_token(
        self,
        info: Info[Context, None],
        account: AccountId,
        name: Annotated[
            str, strawberry.argument(description="A name to tell the token by, e.g. airflow-prod.")
        ],
        expires_at: Annotated[
            datetime | None,
            strawberry.argument(description="When the token stops working; null: never."),
        ] = None,
        reason: OptionalReason = None,
    ) -> IssuedToken:
        issued = await accounts.issue_token(
            info.context.graph,
            actor=info.context.actor,
            account=_account(account, ["account"]),
            name=check_key(name, path=["name"]),
            expires_at=expires_at,
            reason=checked_reason(reason, path=["reason"], required=False),
        )
        return IssuedToken(
            token_id=issued.token_id, token=issued.token, account=strawberry.ID(issued.account)
        )

    @strawberry.mutation(
        description=f"Revoke a token (admin); returns its account. The token is {WHEN_REFUSED}."
    )
    async def revoke_token(
        self,
        info: Info[Context, None],
        token_id: Annotated[
            str, strawberry.argument(description="The token's id (not its secret).")
        ],
        reason: Reason,
    ) -> strawberry.ID:
        owner = await accounts.revoke_token(
            info.context.graph, actor=info.context.actor, token_id=token_id, reason=_reason(reason)
        )
        return strawberry.ID(owner)


async def _set_active(
    info: Info[Context, None], account: str, reason: str, *, active: bool
) -> Account:
    uid = _account(account, ["account"])
    await accounts.set_access(
        info.context.graph, actor=info.context.actor, account=uid, reason=_reason(reason),
        active=active,
    )  # fmt: skip
    return await _account_view(info, uid)  # type: ignore[return-value]
