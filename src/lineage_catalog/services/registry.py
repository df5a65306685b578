"""Registering things and linking them: validated, idempotent, one transaction per change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, MonitoringRel, NodeRecord, Rel, split_uid, uid
from lineage_catalog.domain.rules import (
    PROPERTY_LINKS,
    check_interval,
    check_link,
    storable_prop,
    utc,
)
from lineage_catalog.services import audit, incident_links
from lineage_catalog.services.incident_links import IncidentRef
from lineage_catalog.store import nodes, predictions
from lineage_catalog.store.graph import Graph, WriteTx


@dataclass(frozen=True, slots=True)
class Ref:
    """A link from the registered node to an existing one, named by its input path (the
    whole argument path: `input.used.0`, or `classifications.0` for an argument).

    `outgoing` False links target -> node (e.g. a person AUTHORED a commit). With
    `replace`, links of this type to anything not listed in the command are removed.
    """

    path: tuple[str | int, ...]
    rel: Rel
    target: str
    outgoing: bool = True


@dataclass(frozen=True, slots=True)
class RegisterCommand:
    kind: Kind
    key: str
    props: Mapping[str, Any]
    refs: Sequence[Ref] = ()
    replace: frozenset[Rel] = field(default_factory=frozenset)
    on_create: Mapping[str, Any] = field(default_factory=dict)  # only when the node is new
    # Properties set when the node is created and changed afterwards only by their own
    # governed command: name -> what a caller must use instead (refused otherwise).
    governed: Mapping[str, str] = field(default_factory=dict)
    # Incidents a run addresses (the retraining run); given, they replace the list before.
    addresses: Sequence[IncidentRef] | None = None


def graphql_input(name: str) -> list[str | int]:
    """A field of a mutation's `input` argument, as GraphQL names it (row_count: rowCount)."""
    head, *rest = name.split("_")
    return ["input", head + "".join(part.title() for part in rest)]


def checked_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties checked by the shared value rules, errors naming the GraphQL input field."""
    return {
        name: None if value is None else storable_prop(name, value, path=graphql_input(name))
        for name, value in props.items()
    }


def _check_link(rel: Rel, source: Ref, target: Ref) -> None:
    """The link joins kinds that the one table (LINK_ENDS) allows; each end's path names
    the input that gave it."""
    source_kind, _ = split_uid(source.target, path=list(source.path))
    target_kind, _ = split_uid(target.target, path=list(target.path))
    check_link(rel, source_kind, target_kind, source_path=list(source.path),
               target_path=list(target.path))  # fmt: skip


def _check_links(command: RegisterCommand) -> None:
    # The registered node is named by the whole input when a link cannot start or end there.
    me = uid(command.kind, command.key)
    for r in command.refs:
        me_ref = Ref(path=("input",), rel=r.rel, target=me)
        if r.outgoing:
            _check_link(r.rel, me_ref, r)
        else:
            _check_link(r.rel, r, me_ref)


async def _check_refs(tx: WriteTx, refs: Sequence[Ref]) -> None:
    missing = set(await nodes.missing_uids(tx, uids=[r.target for r in refs]))
    for ref in refs:
        if ref.target in missing:
            kind, _, key = ref.target.partition(":")
            raise BadInputError(f"no {kind} with key {key!r}", path=list(ref.path))


def _property_links(refs: Sequence[Ref]) -> dict[str, str]:
    """The properties that hold the command's PROPERTY_LINKS: a prediction's deployment and
    model_version keys, from its MADE_BY refs."""
    found = {}
    for ref in refs:
        names = PROPERTY_LINKS.get(ref.rel)
        if names is not None:
            kind, key = split_uid(ref.target, path=list(ref.path))
            if kind in names:  # another kind is refused by _check_links
                found[names[kind]] = key
    return found


def _plain(props: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Properties as audited: without the bookkeeping time."""
    if props is None:
        return None
    return {k: v for k, v in props.items() if k != "recorded_at"}


async def register(graph: Graph, command: RegisterCommand, *, actor: Actor) -> NodeRecord:
    """Create or update a node and its links, audited; nothing is written if a reference is
    unknown, and a command that changes nothing writes no audit event."""

    _check_links(command)
    props = checked_props(command.props) | _property_links(command.refs)
    governed = {name: props.pop(name) for name in command.governed if name in props}

    async def work(tx: WriteTx) -> NodeRecord:
        await _check_refs(tx, command.refs)
        await incident_links.check_incidents(tx, command.addresses or ())
        on_create = {**command.on_create, **governed}
        if command.kind is Kind.PREDICTION:  # as every writer of predictions writes them
            was, node = await predictions.record(tx, key=command.key, props=props)
            stored = nodes.Upserted(before=was.props if was else None, node=node)
        else:
            (stored,) = await nodes.upsert_nodes(
                tx, kind=command.kind, rows=[(command.key, props)], on_create=on_create
            )
        for name, value in governed.items():
            was = None if stored.before is None else stored.before.get(name)
            # An absent property is the empty one (a classification without `restricted`
            # is not restricted).
            if stored.before is not None and value is not None and was != value and (was or value):
                raise BadInputError(
                    f"{name} of an existing {command.kind.value} is changed by "
                    f"{command.governed[name]}",
                    path=graphql_input(name),
                )
        me = stored.node.uid
        removed = 0
        for rel in command.replace:
            keep = [r.target for r in command.refs if r.rel == rel and r.outgoing]
            removed += await nodes.unlink_except(tx, source=me, rel=rel, keep=keep)
        by_rel: dict[tuple[Rel, bool], list[tuple[str, str]]] = {}
        for ref in command.refs:
            if ref.rel in PROPERTY_LINKS:
                continue  # stored as the node's property (_property_links)
            pair = (me, ref.target) if ref.outgoing else (ref.target, me)
            by_rel.setdefault((ref.rel, ref.outgoing), []).append(pair)
        added = 0
        for (rel, _), pairs in by_rel.items():
            added += await nodes.link(tx, rel=rel, pairs=pairs)
        if command.addresses is not None:
            linked, unlinked = await incident_links.addresses(
                tx, run=me, keys=[r.key for r in command.addresses]
            )
            added, removed = added + linked, removed + unlinked
        before, after = _plain(stored.before), _plain(stored.node.props)
        if before != after or added or removed:
            links: dict[str, list[str]] = {}
            for ref in command.refs:
                links.setdefault(ref.rel.value, []).append(ref.target)
            if command.addresses is not None:
                links[MonitoringRel.ADDRESSES.value] = [r.key for r in command.addresses]
            change = Change(
                f"register.{command.kind.value}", me, before, {**(after or {}), "links": links}
            )
            await audit.record(tx, actor=actor, changes=[change])
        return stored.node

    if command.kind is Kind.PREDICTION:
        return await predictions.write(graph, work)
    return await graph.write(work)


async def set_governed(
    graph: Graph,
    *,
    actor: Actor,
    action: str,
    kind: Kind,
    key: str,
    path: Sequence[str | int],
    props: Mapping[str, Any],
    reason: str,
) -> NodeRecord:
    """Change governed properties of the existing node of kind and key (named by the input
    at `path`; see RegisterCommand.governed): one transaction, audited with before, after
    and the reason; no event when nothing changes."""
    checked = checked_props(props)
    target = uid(kind, key)

    async def work(tx: WriteTx) -> NodeRecord:
        if await nodes.missing_uids(tx, uids=[target]):
            raise BadInputError(f"no {kind.value} with key {key!r}", path=list(path))
        (stored,) = await nodes.upsert_nodes(tx, kind=kind, rows=[(key, checked)])
        before = {name: (stored.before or {}).get(name) for name in checked}
        after = {name: stored.node.props.get(name) for name in checked}
        if before != after:
            change = Change(action, target, before, after, reason)
            await audit.record(tx, actor=actor, changes=[change])
        return stored.node

    return await graph.write(work)


async def link_interval(
    graph: Graph,
    *,
    actor: Actor,
    action: str,
    rel: Rel,
    source: Ref,
    target: Ref,
    valid_from: datetime,
    props: Mapping[str, Any],
    reason: str | None,
    check: Callable[[WriteTx], Awaitable[None]] | None = None,
) -> None:
    """Record (source)-[rel {valid_from, ...}]->(target), audited: ownership or serving.

    `check` runs in the transaction once both ends exist, before anything is written; it
    refuses the change by raising.
    """
    valid_from = utc(valid_from, path=["input", "validFrom"])
    props = checked_props(props)
    _check_link(rel, source, target)
    check_interval(valid_from, props.get("valid_to"), path=["input", "validTo"])

    async def work(tx: WriteTx) -> None:
        await _check_refs(tx, [source, target])
        if check is not None:
            await check(tx)
        before, after = await nodes.link_interval(
            tx,
            rel=rel,
            source=source.target,
            target=target.target,
            props={**props, "valid_from": valid_from},
        )
        if before != after:
            whom = {"source": source.target, "target": target.target}
            change = Change(
                action,
                target.target,
                {**whom, **before} if before is not None else None,
                {**whom, **after},
                reason,
            )
            await audit.record(tx, actor=actor, changes=[change])

    await graph.write(work)


async def link_pairs(
    graph: Graph,
    *,
    actor: Actor,
    action: str,
    rel: Rel,
    source: Ref,
    targets: Sequence[Ref],
    reason: str | None,
) -> None:
    """Link one node to several (e.g. classify a dataset); idempotent and audited."""
    for target in targets:
        _check_link(rel, source, target)

    async def work(tx: WriteTx) -> None:
        await _check_refs(tx, [source, *targets])
        added = await nodes.link(tx, rel=rel, pairs=[(source.target, t.target) for t in targets])
        if added:
            after = {rel.value: [t.target for t in targets]}
            change = Change(action, source.target, None, after, reason)
            await audit.record(tx, actor=actor, changes=[change])

    await graph.write(work)


def ref(path: Sequence[str | int], rel: Rel, kind: Kind, key: str, *, outgoing: bool = True) -> Ref:
    """A Ref to the node of kind and key."""
    return Ref(path=tuple(path), rel=rel, target=uid(kind, key), outgoing=outgoing)
