"""A fingerprint of the whole catalog graph: what a test compares before and after a change,
or between two ways of loading the same data.

Every catalog node and relationship with its properties, the audit trail included (a write
that was refused must leave no audit event either). Bookkeeping that differs between two
equal loads (when a node was first recorded) is left out; ask `with_audit=False` to compare
loads whose arrival order differs, since the audit trail is a log of arrivals.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from neo4j import Driver

# Properties that record when something arrived, not what it says.
_BOOKKEEPING = frozenset({"recorded_at"})

_NODES = """
MATCH (n)
WHERE NOT (n:SchemaMigration OR n:PredictionDay)
  AND ($audit OR NOT (n:AuditEvent OR n:AuditChain))
RETURN labels(n) AS labels, properties(n) AS props, elementId(n) AS id
"""
# A day's prediction count is spread over shards, one per writer that ran at once (see
# store/predictions.py): what it says is the sum over them, and the first and last time.
DAYS = """
MATCH (h:PredictionDay)
WITH h.model_version AS model_version, h.deployment AS deployment, h.day AS day,
     sum(h.count) AS count, min(h.first) AS first, max(h.last) AS last
WHERE count <> 0
RETURN {model_version: model_version, deployment: deployment, day: day, count: count,
        first: first, last: last} AS props
"""
_EDGES = """
MATCH (a)-[r]->(b)
WHERE NOT (a:SchemaMigration OR b:SchemaMigration)
  AND ($audit OR NOT (a:AuditEvent OR a:AuditChain OR b:AuditEvent OR b:AuditChain))
RETURN type(r) AS type, properties(r) AS props, elementId(a) AS a, elementId(b) AS b
"""


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "iso_format") and not hasattr(value, "hour"):  # a date
        return str(value.iso_format())
    if hasattr(value, "iso_format"):
        # The zone too: `…Z` and `…Z[UTC]` print alike but Neo4j orders them apart.
        zone = value.tzinfo
        return f"{value.iso_format()}|{type(zone).__name__}:{getattr(zone, 'zone', zone)}"
    return value


def _props(props: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in sorted(props.items()) if k not in _BOOKKEEPING}


def graph_rows(driver: Driver, *, with_audit: bool = True) -> list[str]:
    """Every node and relationship as one canonical line each, sorted."""
    with driver.session() as session:
        nodes = list(session.run(_NODES, audit=with_audit))
        edges = list(session.run(_EDGES, audit=with_audit))
        days = list(session.run(DAYS))
    names: dict[str, str] = {}
    lines = []
    for row in nodes:
        props = _props(row["props"])
        name = props.get("uid") or props.get("seq") or props.get("hash") or props.get("key")
        names[row["id"]] = f"{'|'.join(sorted(row['labels']))}:{name}"
        lines.append(json.dumps(["node", sorted(row["labels"]), props], default=str))
    for row in edges:
        edge = ["edge", row["type"], names[row["a"]], names[row["b"]], _props(row["props"])]
        lines.append(json.dumps(edge, default=str))
    for row in days:
        lines.append(json.dumps(["node", ["PredictionDay"], _props(row["props"])], default=str))
    return sorted(lines)


def prediction_days(driver: Driver) -> dict[tuple[str, str, Any], tuple[int, Any, Any]]:
    """What the day counts say: (count, first, last) per (model version, deployment, day)."""
    records, _, _ = driver.execute_query(DAYS)
    return {(r["props"]["model_version"], r["props"]["deployment"], r["props"]["day"].to_native()):
            (r["props"]["count"], r["props"]["first"].to_native(), r["props"]["last"].to_native())
            for r in records}  # fmt: skip


def fingerprint(driver: Driver, *, with_audit: bool = True) -> str:
    """A digest of graph_rows: equal when the graphs are equal."""
    digest = hashlib.sha256()
    for line in graph_rows(driver, with_audit=with_audit):
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()
