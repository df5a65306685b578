"""Demo data for `./scripts/run`."""

from __future__ import annotations

from typing import Any


async def load_demo(driver: Any, *, database: str, seed: int) -> str:
    """Replace the catalog with a small demo set; return a one-line summary."""
    await driver.execute_query(
        "MATCH (n) WHERE NOT n:SchemaMigration DETACH DELETE n", database_=database
    )
    await driver.execute_query(
        "CREATE (:Team {key: 'risk-ml', name: 'Risk ML'}),"
        " (:Person {key: 'ada@example.com', name: 'Ada'}),"
        " (:Dataset {key: 'loans-raw', name: 'Loans (raw)'})",
        database_=database,
    )
    return "1 team, 1 person, 1 dataset"
