"""Who is asking: principals behind tokens, their roles, and the actor recorded in audits."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from lineage_catalog.domain.model import Kind


class Role(StrEnum):
    """What an account may do; `admin` implies every other role, and every role `reader`."""

    READER = "reader"  # every query
    WRITER = "writer"  # register and record: GraphQL, OpenLineage, bulk loads
    APPROVER = "approver"  # stage transitions, approvals, classification, ownership, serving
    ADMIN = "admin"  # accounts, tokens, roles and clearances


class Interface(StrEnum):
    """Where a change came in; recorded on every audit event."""

    GRAPHQL = "graphql"
    REST = "rest"
    OPENLINEAGE = "openlineage"
    BULK = "bulk"
    CLI = "cli"


def allows(roles: frozenset[Role], role: Role) -> bool:
    """Whether holding `roles` allows what needs `role`: admin holds every role, and any
    role includes reading."""
    if Role.ADMIN in roles or role in roles:
        return True
    return role is Role.READER and bool(roles)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated account: a person or a service account, with roles and clearances."""

    uid: str
    kind: Kind
    roles: frozenset[Role]
    clearances: frozenset[str] = field(default_factory=frozenset)

    def has(self, role: Role) -> bool:
        """Admin holds every role; any role includes reading."""
        return allows(self.roles, role)

    @property
    def is_agent(self) -> bool:
        return self.kind is not Kind.PERSON


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change, through what and in which request: stamped on its audit events."""

    uid: str
    is_agent: bool
    interface: Interface
    request_id: str

    @staticmethod
    def of(principal: Principal, *, interface: Interface, request_id: str) -> Actor:
        return Actor(principal.uid, principal.is_agent, interface, request_id)


# Used only when auth is switched off by LINEAGE_AUTH_ENABLED=false (a local demo).
ANONYMOUS = Principal(
    uid="ServiceAccount:anonymous",
    kind=Kind.SERVICE_ACCOUNT,
    roles=frozenset(Role),
    clearances=frozenset(),
)
