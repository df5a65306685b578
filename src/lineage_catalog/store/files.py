"""Locate the Cypher files: in a checkout under graph/, in a wheel under lineage_catalog/_graph."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def graph_dir() -> Path:
    """The folder holding migrations/ and queries/."""
    packaged = Path(__file__).resolve().parent.parent / "_graph"
    if (packaged / "queries").is_dir():
        return packaged
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "graph"
        if (candidate / "migrations").is_dir():
            return candidate
    raise FileNotFoundError("graph/ (migrations and queries) not found beside the package")


@cache
def query_text(name: str) -> str:
    """The text of graph/queries/<name>.cypher, e.g. query_text("trace/prediction_trace")."""
    path = graph_dir() / "queries" / f"{name}.cypher"
    # The files are part of the code base, never user input: queries are text we wrote.
    return path.read_text()


def all_query_names() -> list[str]:
    """Every named query, for the EXPLAIN test."""
    root = graph_dir() / "queries"
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.cypher"))
