"""Locate the Cypher files: in a checkout under graph/, in a wheel under lineage_catalog/_graph."""

from __future__ import annotations

import re
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


_REPEAT = re.compile(r"^// @repeat (\d+)\n(.*?)^// @end\n", re.MULTILINE | re.DOTALL)


@cache
def query_text(name: str) -> str:
    """The text of graph/queries/<name>.cypher, e.g. query_text("lineage/upstream")."""
    path = graph_dir() / "queries" / f"{name}.cypher"
    # The files are part of the code base, never user input: queries are text we wrote.
    return expand_repeats(path.read_text())


def expand_repeats(text: str) -> str:
    """Unroll `// @repeat N` ... `// @end` blocks, numbering each copy's ROUND 1..N.

    Cypher has no loops; a breadth-first traversal is written as one round and
    unrolled to the maximum depth, so it stays one statement whose work grows with the
    graph reached (each node visited once per round), never with the number of paths.
    """

    def unroll(match: re.Match[str]) -> str:
        block = match.group(2)
        return "".join(block.replace("ROUND", str(k)) for k in range(1, int(match.group(1)) + 1))

    return _REPEAT.sub(unroll, text)


def all_query_names() -> list[str]:
    """Every named query, for the EXPLAIN test."""
    root = graph_dir() / "queries"
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.cypher"))
