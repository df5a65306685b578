"""What Neo4j plans for a stored query: the Details of every operator of its EXPLAIN plan,
for tests that check a statement reads an index rather than scanning."""

from __future__ import annotations

from typing import Any

from neo4j import Driver

from lineage_catalog.store.files import query_text


def plan_details(driver: Driver, name: str, **params: Any) -> str:
    """The Details of every operator of the plan of graph/queries/<name>.cypher, joined."""
    with driver.session() as session:
        plan = session.run("EXPLAIN " + query_text(name), **params).consume().plan
    assert plan is not None, f"no plan for {name}"
    found: list[str] = []

    def walk(op: dict[str, Any]) -> None:
        found.append(str(op.get("args", {}).get("Details", "")))
        for child in op.get("children", []):
            walk(child)

    walk(dict(plan))
    return " ".join(found)
