"""Registering things and linking them: validated, idempotent, one transaction per change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, NodeRecord, Rel, uid
from lineage_catalog.store import nodes
from lineage_catalog.store.graph import Graph, WriteTx


@dataclass(frozen=True, slots=True)
class Ref:
    """A link from the registered node to an existing one, named by its input path.

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


async def _check_refs(tx: WriteTx, refs: Sequence[Ref]) -> None:
    missing = set(await nodes.missing_uids(tx, uids=[r.target for r in refs]))
    for ref in refs:
        if ref.target in missing:
            kind, _, key = ref.target.partition(":")
            raise BadInputError(f"no {kind} with key {key!r}", path=["input", *ref.path])


async def register(graph: Graph, command: RegisterCommand) -> NodeRecord:
    """Create or update a node and its links; nothing is written if a reference is unknown."""

    async def work(tx: WriteTx) -> NodeRecord:
        await _check_refs(tx, command.refs)
        (stored,) = await nodes.upsert_nodes(
            tx, kind=command.kind, rows=[(command.key, command.props)]
        )
        me = stored.uid
        for rel in command.replace:
            keep = [r.target for r in command.refs if r.rel == rel and r.outgoing]
            await nodes.unlink_except(tx, source=me, rel=rel, keep=keep)
        by_rel: dict[tuple[Rel, bool], list[tuple[str, str]]] = {}
        for ref in command.refs:
            pair = (me, ref.target) if ref.outgoing else (ref.target, me)
            by_rel.setdefault((ref.rel, ref.outgoing), []).append(pair)
        for (rel, _), pairs in by_rel.items():
            await nodes.link(tx, rel=rel, pairs=pairs)
        return stored

    return await graph.write(work)


async def link_interval(
    graph: Graph,
    *,
    rel: Rel,
    source: Ref,
    target: Ref,
    valid_from: datetime,
    props: Mapping[str, Any],
) -> None:
    """Record (source)-[rel {valid_from, ...}]->(target): ownership or serving over time."""
    if props.get("valid_to") is not None and props["valid_to"] <= valid_from:
        raise BadInputError("validTo must be after validFrom", path=["input", "validTo"])

    async def work(tx: WriteTx) -> None:
        await _check_refs(tx, [source, target])
        await nodes.link_interval(
            tx,
            rel=rel,
            source=source.target,
            target=target.target,
            props={**props, "valid_from": valid_from},
        )

    await graph.write(work)


async def link_pairs(graph: Graph, *, rel: Rel, source: Ref, targets: Sequence[Ref]) -> None:
    """Link one node to several (e.g. classify a dataset); idempotent."""

    async def work(tx: WriteTx) -> None:
        await _check_refs(tx, [source, *targets])
        await nodes.link(tx, rel=rel, pairs=[(source.target, t.target) for t in targets])

    await graph.write(work)


def ref(path: Sequence[str | int], rel: Rel, kind: Kind, key: str, *, outgoing: bool = True) -> Ref:
    """A Ref to the node of kind and key."""
    return Ref(path=tuple(path), rel=rel, target=uid(kind, key), outgoing=outgoing)
