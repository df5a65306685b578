"""Predictions and their day counts: the one place that writes Prediction nodes in batches
(bulk loads, the demo and generated catalogs, through store/bulk.write_batch) and that
keeps PredictionDay counts (migration V0009) true to them for every writer, recordPrediction
included, in the writer's transaction."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from neo4j.exceptions import ConstraintError

from lineage_catalog.domain.model import NodeRecord
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.nodes import native, now, to_node

# How many shards a day's count may be spread over: concurrent writers add to different
# ones, so parallel loads of one deployment do not queue on one node; a read sums them.
SHARDS = 8
# A process's writers take the first shard that fewest of its other writers hold, from a
# start drawn once per process (API workers and replicas start apart): one writer at a
# time always writes the same shard, so a day has as many shards as writers ever ran at
# once, not one per transaction (what reads add up stays flat as the predictions grow).
_FIRST_SHARD = random.randrange(SHARDS)
_holders = [0] * SHARDS  # per shard, how many of this process's writers hold it


def _take_shard() -> int:
    order = [(_FIRST_SHARD + n) % SHARDS for n in range(SHARDS)]
    shard = min(order, key=lambda s: _holders[s])  # the first of the least held
    _holders[shard] += 1
    return shard


def _release_shard(shard: int) -> None:
    _holders[shard] -= 1


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Made:
    """What a prediction's day count depends on: who made it and when."""

    deployment: str
    model_version: str
    time: datetime


def made(props: Mapping[str, Any] | None) -> Made | None:
    """A stored or written prediction's Made, None when it lacks one of the three (a day
    counts only predictions with a deployment, a model version and a time)."""
    if not props:
        return None
    deployment, model_version = props.get("deployment"), props.get("model_version")
    at = native(props.get("time"))
    if deployment is None or model_version is None or not isinstance(at, datetime):
        return None
    return Made(str(deployment), str(model_version), at.astimezone(UTC))


def micros(at: datetime) -> int:
    """A time as epoch microseconds, as the prediction statements take it."""
    return (at - _EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    """Epoch microseconds as a time in UTC."""
    return _EPOCH + timedelta(microseconds=value)


def day_changes(
    *, removed: Iterable[Made] = (), added: Iterable[Made] = ()
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What predictions that left (`removed`: the values a prediction had before it was
    written again) and arrived (`added`) change in the day counts: the days to add to
    (delta, and the first and last time added), in key order, and the days a prediction
    left (their first and last are set again from the predictions)."""
    days: dict[tuple[str, str, date], dict[str, Any]] = {}
    left: set[tuple[str, str, date]] = set()
    for sign, values in ((-1, removed), (1, added)):
        for m in values:
            key = (m.model_version, m.deployment, m.time.date())
            day = days.setdefault(key, {"delta": 0, "first": None, "last": None})
            day["delta"] += sign
            if sign > 0:
                day["first"] = m.time if day["first"] is None else min(day["first"], m.time)
                day["last"] = m.time if day["last"] is None else max(day["last"], m.time)
            else:
                left.add(key)
    changed = [
        {"model_version": k[0], "deployment": k[1], "day": k[2], **v}
        for k, v in sorted(days.items())
        if v["delta"] or v["first"] is not None
    ]
    refresh = [
        {"model_version": mv, "deployment": d, "day": day,
         "since": datetime.combine(day, time(), UTC),
         "until": datetime.combine(day + timedelta(days=1), time(), UTC)}
        for mv, d, day in sorted(left)
    ]  # fmt: skip
    return changed, refresh


async def count_days(
    tx: WriteTx, *, removed: Iterable[Made] = (), added: Iterable[Made] = ()
) -> None:
    """Bring the day counts in line with predictions that left and arrived in this
    transaction (day_changes): the shards locked, then added to (two statements); where a
    prediction left a day, every shard of it locked and its first and last set again from
    the predictions (two more)."""
    changed, refresh = day_changes(removed=removed, added=added)
    if changed:
        shard = _take_shard()
        try:
            await tx.run("predictions/lock_days", days=changed, shard=shard)
            await tx.run("predictions/count_days", days=changed, shard=shard)
        finally:
            # Free for the process's next writer, which waits for this transaction's
            # commit only if it writes the same days meanwhile.
            _release_shard(shard)
    if refresh:
        await tx.run("predictions/lock_all_shards", days=refresh)
        await tx.run("predictions/refresh_days", days=refresh)


def last_made(groups: list[dict[str, Any]]) -> dict[str, Made]:
    """The Made of each key of prediction groups, by its last row (the values it keeps)."""
    return {
        row[0]: Made(g["deployment"], g["model_version"], from_micros(row[1]))
        for g in groups
        for row in g["rows"]
    }


def prediction_groups(rows: Iterable[list[Any]]) -> list[dict[str, Any]]:
    """Prediction rows [key, time in epoch microseconds, output, deployment, model version]
    grouped by (deployment, model version), as the prediction statements take them."""
    groups: dict[tuple[str, str], list[list[Any]]] = defaultdict(list)
    for key, at, output, deployment, model_version in rows:
        groups[(deployment, model_version)].append([key, at, output])
    return [
        {"deployment": deployment, "model_version": model_version, "rows": group}
        for (deployment, model_version), group in groups.items()
    ]


async def stored(tx: WriteTx, keys: Iterable[str]) -> dict[str, NodeRecord]:
    """The stored predictions among keys, locked first (a concurrent writer of one waits
    for this transaction; in key order, so two writers of the same keys do not deadlock),
    then read: one statement, two when any is stored."""
    (found,) = await tx.run("bulk/stored_predictions", keys=sorted(set(keys)))
    if not found["keys"]:
        return {}
    rows = await tx.run("bulk/prediction_values", keys=found["keys"])
    return {row["key"]: to_node(row) for row in rows}


async def write_predictions(tx: WriteTx, groups: list[dict[str, Any]]) -> dict[str, NodeRecord]:
    """Prediction rows by group, and their day counts; returns the predictions they replaced.
    Keys not stored yet are CREATEd (each once: a key repeated in the batch is then
    updated), the others MERGEd. The day counts change by what each key held before
    (locked, then read) and the values of its last row. A concurrent writer that creates
    one of the new keys first makes the CREATE fail on the uid constraint, with nothing
    written: run the transaction through `write`, which writes it again."""
    stamp = now()
    last = last_made(groups)
    before = await stored(tx, last)
    seen = set(before)
    fresh: list[dict[str, Any]] = []
    again: list[dict[str, Any]] = []
    for g in groups:
        new_rows: list[list[Any]] = []
        old_rows: list[list[Any]] = []
        for row in g["rows"]:
            (old_rows if row[0] in seen else new_rows).append(row)
            seen.add(row[0])  # a key repeated in the batch: created once, then merged
        fresh.append({**g, "rows": new_rows})
        again.append({**g, "rows": old_rows})
    if any(g["rows"] for g in fresh):
        await tx.run("bulk/create_predictions", groups=fresh, now=stamp)
    if any(g["rows"] for g in again):
        await tx.run("bulk/load_predictions", groups=again, now=stamp)
    was = (made(node.props) for node in before.values())
    await count_days(tx, removed=[m for m in was if m is not None], added=list(last.values()))
    return before


async def write(graph: Graph, work: Callable[[WriteTx], Awaitable[T]]) -> T:
    """graph.write for work that writes predictions: when a concurrent writer created one
    of its new keys first (the CREATE lost the uid constraint and nothing landed), the work
    runs once more, and finds that key stored and replaces it."""
    try:
        return await graph.write(work)
    except ConstraintError:
        return await graph.write(work)


async def record(
    tx: WriteTx, *, key: str, props: Mapping[str, Any]
) -> tuple[NodeRecord | None, NodeRecord]:
    """One prediction (recordPrediction) written as batches write them: what it replaced,
    and the prediction as stored."""
    m = made(props)
    if m is None:
        raise ValueError("a prediction needs its deployment, model_version and time")
    row = [key, micros(m.time), props.get("output"), m.deployment, m.model_version]
    before = await write_predictions(tx, prediction_groups([row]))
    (node,) = [to_node(r) for r in await tx.run("bulk/prediction_values", keys=[key])]
    return before.get(key), node
