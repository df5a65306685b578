"""Generic node and relationship access: batch lookups, neighbors, pages, upserts.

Every catalog node is (:Node:<Kind> {uid, kind, key, ...}); maps and lists of maps are
stored as JSON strings under `<name>_json` (Neo4j properties cannot hold maps).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import orjson
from neo4j.time import Date, DateTime

from lineage_catalog.domain.model import NAMED_BY_PROPERTY, Kind, Neighbor, NodeRecord, Page, Rel
from lineage_catalog.domain.rules import storable_props
from lineage_catalog.store.graph import Graph, WriteTx

_JSON_SUFFIX = "_json"
_HIDDEN = frozenset({"uid", "kind", "key"})


def decode_props(raw: Mapping[str, Any] | list[list[Any]]) -> dict[str, Any]:
    """Stored properties as Python values: JSON decoded, Neo4j times as datetimes. `raw` is
    a map, or the pairs that the hot read queries return instead (see `property_pairs`)."""
    if isinstance(raw, Mapping):
        return _decoded(property_pairs(raw).items())
    # The pairs form, split into the columns that decode_columns decodes.
    names: list[str] = []
    values: list[Any] = []
    zoned: list[str] = []
    times: list[Any] = []
    hidden = _HIDDEN
    for item in raw:
        name = item[0]
        if name in hidden:
            continue
        if len(item) == 4:
            zoned.append(name)
            micros = item[1] * 1_000_000 + item[2] // 1000
            times.append(micros if item[3] == 0 else [micros, item[3]])
        else:
            names.append(name)
            values.append(item[1])
    return decode_columns(names, values, zoned, times)


def decode_columns(
    names: list[str], values: list[Any], zoned: list[str], times: list[Any]
) -> dict[str, Any]:
    """Properties from the columns `decode_props` splits the pairs into: `names` and their
    `values` (no zoned datetimes; the hidden uid, kind and key left out), then the `zoned`
    datetimes' names and their `times`, each microseconds since the epoch in UTC or
    [microseconds, offsetSeconds]."""
    props: dict[str, Any] = {}
    plain, suffix = _PLAIN, _JSON_SUFFIX
    for name, value in zip(names, values, strict=True):
        if type(value) is str:
            if name.endswith(suffix):
                props[name[: -len(suffix)]] = loads_json(value)
                continue
        elif type(value) not in plain:
            value = native(value)
        props[name] = value
    epoch = _UTC_EPOCH
    for name, time in zip(zoned, times, strict=True):
        if type(time) is int:
            props[name] = epoch + timedelta(0, 0, time)
        else:
            props[name] = _datetime(time[0], time[1])
    return props


def _decoded(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for name, value in pairs:
        if name in _HIDDEN:
            continue
        if name.endswith(_JSON_SUFFIX) and isinstance(value, str):
            props[name.removesuffix(_JSON_SUFFIX)] = loads_json(value)
        else:
            props[name] = value
    return props


def property_pairs(raw: Mapping[str, Any] | list[list[Any]]) -> dict[str, Any]:
    """Properties as Python values, from a map or from the pairs form of the read queries:
    `[name, value]`, and `[name, epochSeconds, nanosecond, offsetSeconds]` for a zoned
    datetime. The driver builds a neo4j.time.DateTime for each datetime it receives, which
    cost more than everything else in a large answer; four integers are cheap."""
    if isinstance(raw, Mapping):
        return {name: native(value) for name, value in raw.items()}
    props: dict[str, Any] = {}
    plain = _PLAIN
    for item in raw:
        if len(item) == 4:
            props[item[0]] = _datetime(item[1] * 1_000_000 + item[2] // 1000, item[3])
        else:
            value = item[1]
            props[item[0]] = value if type(value) in plain else native(value)
    return props


# Values the driver hands over as they are (not Neo4j temporal types).
_PLAIN = frozenset({str, int, float, bool, list, type(None)})
# Digits mapped to "0", every other byte to a space: a run of 19 zeros is an integer that
# may exceed 64 bits, which orjson would read as a float (json reads it exactly).
_DIGITS = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))
_LONG_NUMBER = b"0" * 19


def loads_json(text: str) -> Any:
    """A stored JSON text as Python values, exactly as json.loads reads it: orjson (several
    times faster) unless the text holds a 19-digit run or anything orjson refuses (a lone
    surrogate escape, NaN), which json.loads reads as before."""
    try:
        if _LONG_NUMBER not in text.encode().translate(_DIGITS):
            return orjson.loads(text)
    except (orjson.JSONDecodeError, UnicodeEncodeError):
        pass
    return json.loads(text)


def _short_numbers_only(texts: list[str]) -> bool:
    """Whether no text holds a 19-digit run: checked for a page's texts at once (a tenth
    of the cost of checking each), which orjson then reads as json.loads would."""
    try:
        return _LONG_NUMBER not in "\n".join(texts).encode().translate(_DIGITS)
    except UnicodeEncodeError:  # a lone surrogate: each text is read by loads_json
        return False


def _loads_short(text: str) -> Any:
    """loads_json for a text known to hold no 19-digit run."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


_ZONES: dict[int, timezone] = {0: UTC}
_NAIVE_EPOCH = datetime(1970, 1, 1)
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _datetime(micros: int, offset: int) -> datetime:
    """A zoned datetime from microseconds since the epoch and its offset in seconds."""
    if offset == 0:  # what the catalog writes: every time in UTC
        return _UTC_EPOCH + timedelta(0, 0, micros)
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES.setdefault(offset, timezone(timedelta(seconds=offset)))
    # The local time from a naive epoch: a time near year 1 or 9999 whose UTC instant falls
    # outside Python's range (0001-01-01T00:30+01:00) is still representable.
    local = _NAIVE_EPOCH + timedelta(0, offset, micros)
    return local.replace(tzinfo=zone)


def native(value: Any) -> Any:
    """Neo4j temporal values as Python ones; everything else unchanged."""
    if isinstance(value, DateTime | Date):
        return value.to_native()
    return value


def encode_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """Python values as storable properties; None (not given) is left out.

    Every write passes here, so every value is checked by the shared rules (one scalar type
    per list, finite numbers, valid text, times in UTC) whatever interface it came from;
    interfaces check the same rules earlier to name the input that broke one.
    """
    stored: dict[str, Any] = {}
    for name, value in storable_props(props).items():
        if value is None:
            continue
        if isinstance(value, dict) or (
            isinstance(value, list) and any(isinstance(v, dict) for v in value)
        ):
            stored[name + _JSON_SUFFIX] = json.dumps(value, sort_keys=True, default=str)
        else:
            stored[name] = value
    if "tags" in stored:
        stored["tag_text"] = " ".join(stored["tags"])
    return stored


def to_node(row: Mapping[str, Any]) -> NodeRecord:
    """A query row with kind, key and props as a NodeRecord."""
    return NodeRecord(kind=Kind(row["kind"]), key=row["key"], props=decode_props(row["props"]))


# NAMED_BY_PROPERTY as the statement's parameter.
_NAMED = {
    kind.value: [[named.value, prop] for prop, named in props.items()]
    for kind, props in NAMED_BY_PROPERTY.items()
}


async def nodes_by_uid(
    graph: Graph, *, uids: list[str], named: bool = False
) -> dict[str, NodeRecord]:
    """The nodes that exist among uids, by uid (one statement); with `named`, also the
    nodes they name by a property (NodeRecord.named) that exist."""
    rows = await graph.read_collected("node/nodes_by_uid", uids=uids, named=_NAMED if named else {})
    return {row["uid"]: to_node(row) for row in rows}


async def neighbors(
    graph: Graph,
    *,
    uids: list[str],
    rel: Rel,
    outgoing: bool,
    kind: Kind | None = None,
    at: datetime | None = None,
    limit: int = 500,
) -> dict[str, list[Neighbor]]:
    """For each uid, its neighbors over rel (one statement for all uids)."""
    rows = await graph.read_collected(
        "node/out_neighbors" if outgoing else "node/in_neighbors",
        uids=uids,
        type=rel.value,
        kind=kind.value if kind else None,
        at=at,
        limit=limit,
    )
    found: dict[str, list[Neighbor]] = defaultdict(list)
    for row in rows:
        edge = property_pairs(row["edge"])
        found[row["origin"]].append(Neighbor(origin=row["origin"], node=to_node(row), edge=edge))
    return found


@dataclass(frozen=True)
class PageLayout:
    """The properties the nodes of a page are expected to hold, by how they are stored:
    `plain` ones (text, numbers, lists), `json` ones (maps, stored as `<name>_json` text)
    and `zoned` datetimes. The page reads these by name, in one list of values and one of
    times per node, without sending their names again for every node; every other property,
    and an expected one holding a value of another kind (a datetime not in UTC, text under
    a datetime's name), comes as a pair, as the other reads send them. So a layout decides
    what a page costs, never what it answers."""

    plain: tuple[str, ...] = ()
    json: tuple[str, ...] = ()
    zoned: tuple[str, ...] = ()
    # Derived: the names of the values as the node's properties, and the statement's
    # parameters.
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _params: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if "tags" in self.plain and "tag_text" not in self.plain:  # written with the tags
            object.__setattr__(self, "plain", (*self.plain, "tag_text"))
        names = (*self.plain, *self.json)
        if len({*names, *self.zoned, *_HIDDEN}) != len(names) + len(self.zoned) + len(_HIDDEN):
            raise ValueError(f"a property named twice, or hidden, in {self}")
        stored = [*self.plain, *(name + _JSON_SUFFIX for name in self.json)]
        # What the statement checks each property against: false for one read as a value,
        # true for a datetime read as microseconds, absent for one sent as a pair.
        expected = dict.fromkeys([*_HIDDEN, *stored], False) | dict.fromkeys(self.zoned, True)
        params = {"plain": stored, "zoned": list(self.zoned), "expected": expected}
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_params", params)

    def params(self) -> dict[str, Any]:
        return self._params

    def decode_rows(self, rows: list[list[Any]]) -> list[dict[str, Any]]:
        """Each node's properties from the rows of `node/page_by_kind`."""
        loads = loads_json
        first = len(self.plain)
        if self.json:
            texts = [t for row in rows for t in row[1][first:] if type(t) is str]
            if _short_numbers_only(texts):
                loads = _loads_short
        decode = self.decode
        return [decode(values, times, pairs, loads) for _, values, times, pairs in rows]

    def decode(
        self,
        values: list[Any],
        times: list[Any],
        pairs: list[list[Any]],
        loads: Callable[[str], Any] = loads_json,
    ) -> dict[str, Any]:
        """A node's properties from its row of `node/page_by_kind`, as `decode_props`
        decodes them from pairs; `loads` reads its JSON texts (loads_json's answer)."""
        names = self._names
        # The statement sends one value per name (zip's own check would cost a tenth).
        if None in values:  # properties the node does not have
            props = {n: v for n, v in zip(names, values, strict=False) if v is not None}
        else:
            props = dict(zip(names, values, strict=False))
        if not _PLAIN.issuperset(map(type, values)):
            for name, value in zip(names, values, strict=True):
                if type(value) not in _PLAIN:
                    props[name] = native(value)
        for i, name in enumerate(self.json, len(self.plain)):
            text = values[i]
            if type(text) is str:
                props[name] = loads(text)
            elif text is not None:  # not text: it keeps its stored name, as in decode_props
                props[name + _JSON_SUFFIX] = props.pop(name)
        epoch = _UTC_EPOCH
        for name, time in zip(self.zoned, times, strict=False):
            if time is not None:
                props[name] = epoch + timedelta(0, 0, time)
        if pairs:
            props.update(decode_props(pairs))
        return props


async def page_by_kind(
    graph: Graph,
    *,
    kind: Kind,
    after: str,
    limit: int,
    equals: Mapping[str, Any] | None = None,
    tag: str | None = None,
    classification: str | None = None,
    parent: str | None = None,
    count: bool = True,
    layout: PageLayout = PageLayout(),
) -> Page:
    """Nodes of one kind in key order, after a key, with filters; with count, also how many
    match in all (a second statement, sent concurrently). `layout` names the properties
    they are expected to hold (a page without one sends every property as a pair)."""
    params: dict[str, Any] = {
        "kind": kind.value,
        "equals": dict(equals or {}),
        "tag": tag,
        "classification": classification,
        "parent": parent,
    }
    page = graph.read_collected(
        "node/page_by_kind", after=after, limit=limit, **params, **layout.params()
    )
    if count:
        rows, ((counted,)) = await asyncio.gather(page, graph.read("node/count_by_kind", **params))
        total: int | None = int(counted["total"])
    else:
        rows, total = await page, None
    # Rows are [key, values, times, pairs]: every node is of the kind asked for.
    found = cast(list[list[Any]], rows)
    decoded = layout.decode_rows(found)
    nodes = [
        NodeRecord(kind=kind, key=row[0], props=p) for row, p in zip(found, decoded, strict=True)
    ]
    return Page(nodes=nodes[:limit], has_next=len(nodes) > limit, total=total)


async def restricted_classifications(graph: Graph, *, uids: list[str]) -> dict[str, list[str]]:
    """For each uid, the restricted classifications on it or its parent (one statement)."""
    rows = await graph.read("node/restricted_classifications", uids=uids)
    return {row["uid"]: list(row["restricted"]) for row in rows}


def now() -> datetime:
    return datetime.now(UTC)


async def missing_uids(tx: WriteTx, *, uids: Iterable[str]) -> list[str]:
    """Which uids name no node, checked inside the write's transaction."""
    rows = await tx.run("node/missing_uids", uids=sorted(set(uids)))
    return [row["uid"] for row in rows]


@dataclass(frozen=True, slots=True)
class Upserted:
    """A node as stored by an upsert, and its properties before (None when it is new)."""

    before: dict[str, Any] | None
    node: NodeRecord


async def upsert_nodes(
    tx: WriteTx,
    *,
    kind: Kind,
    rows: list[tuple[str, Mapping[str, Any]]],
    on_create: Mapping[str, Any] | None = None,
) -> list[Upserted]:
    """Create or update nodes of one kind from (key, props); `on_create` only for new ones."""
    created = encode_props(on_create or {})
    payload = [
        {"uid": f"{kind.value}:{key}", "kind": kind.value, "key": key,
         "props": encode_props(p), "on_create": created}
        for key, p in rows
    ]  # fmt: skip
    stored = await tx.run("node/upsert_nodes", rows=payload, now=now())
    return [
        Upserted(
            before=decode_props(row["before"]) if row["before"] is not None else None,
            node=to_node(row),
        )
        for row in stored
    ]


async def link(
    tx: WriteTx,
    *,
    rel: Rel,
    pairs: Iterable[tuple[str, str]],
    props: Mapping[str, Any] | None = None,
) -> int:
    """Create (source)-[rel]->(target) once for each pair of uids; returns how many are new."""
    rows = [
        {"source": s, "target": t, "type": rel.value, "props": encode_props(props or {})}
        for s, t in pairs
    ]
    if not rows:
        return 0
    (result,) = await tx.run("node/merge_edges", rows=rows, now=now())
    return int(result["created"])


async def link_interval(
    tx: WriteTx, *, rel: Rel, source: str, target: str, props: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Create (source)-[rel {valid_from, ...}]->(target), one per valid_from: (before, after)."""
    stored = encode_props(props)
    row = {
        "source": source,
        "target": target,
        "type": rel.value,
        "valid_from": stored.pop("valid_from"),
        "props": stored,
    }
    (result,) = await tx.run("node/merge_interval_edges", rows=[row], now=now())
    before = result["before"]
    after = {k: native(v) for k, v in result["after"].items() if k != "recorded_at"}
    if before is not None:
        before = {k: native(v) for k, v in before.items() if k != "recorded_at"}
    return before, after


async def unlink_except(tx: WriteTx, *, source: str, rel: Rel, keep: list[str]) -> int:
    """Remove rel links from source to anything not in keep (replace a list field)."""
    (result,) = await tx.run(
        "node/delete_out_edges_except", source=source, type=rel.value, keep=keep
    )
    return int(result["deleted"])


def in_utc(value: datetime) -> datetime:
    """A time as a parameter: at offset 0, never a named zone. Neo4j orders a time in the
    zone `UTC` apart from the same instant at offset +00:00 (how the catalog stores
    times), so a range from one misses the other at its bound."""
    return value.astimezone(UTC)
