"""Apply graph/migrations/V<n>__<name>.cypher in order, once each, recorded in the graph."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from neo4j import AsyncDriver

from lineage_catalog.store.files import graph_dir
from lineage_catalog.store.graph import untimed

_FILE_NAME = re.compile(r"^V(\d{4})__([a-z0-9_]+)\.cypher$")


class MigrationError(RuntimeError):
    """A migration file is malformed or was edited after it was applied."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    checksum: str
    statements: tuple[str, ...]


def load_migrations(folder: Path | None = None) -> list[Migration]:
    """Every migration file, in version order."""
    folder = folder or graph_dir() / "migrations"
    migrations = []
    for path in sorted(folder.glob("*.cypher")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: expected V<4 digits>__<snake_name>.cypher")
        text = path.read_text()
        migrations.append(
            Migration(
                version=int(match.group(1)),
                name=match.group(2),
                checksum=hashlib.sha256(text.encode()).hexdigest(),
                statements=tuple(_split_statements(text)),
            )
        )
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version in {folder}")
    return migrations


_IN_TRANSACTIONS = re.compile(r"\}\s*IN\s+TRANSACTIONS\b", re.IGNORECASE)


def _split_statements(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not line.strip().startswith("//")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


async def migrate(driver: AsyncDriver, *, database: str) -> list[Migration]:
    """Apply what is not applied yet; return what was applied now. Idempotent."""
    applied = await _applied_checksums(driver, database=database)
    done = []
    for migration in load_migrations():
        known = applied.get(migration.version)
        if known is not None:
            if known != migration.checksum:
                raise MigrationError(
                    f"V{migration.version:04d}__{migration.name} changed after it was applied; "
                    "add a new migration instead of editing an applied one"
                )
            continue
        # Schema changes cannot share a transaction with data writes, so each
        # statement runs on its own; IF NOT EXISTS makes a re-run after a crash safe.
        # None is timed (untimed): building an index or rewriting millions of rows is not
        # a request.
        for statement in migration.statements:
            if _IN_TRANSACTIONS.search(statement):
                # CALL { ... } IN TRANSACTIONS commits as it goes, which only an auto-commit
                # statement may do (a data migration over millions of rows).
                async with driver.session(database=database) as session:
                    await (await session.run(untimed(statement))).consume()
            else:
                await driver.execute_query(untimed(statement), database_=database)
        await driver.execute_query(
            untimed(
                "MERGE (m:SchemaMigration {version: $version}) "
                "SET m.name = $name, m.checksum = $checksum, m.appliedAt = datetime()"
            ),
            version=migration.version,
            name=migration.name,
            checksum=migration.checksum,
            database_=database,
        )
        done.append(migration)
    return done


async def _applied_checksums(driver: AsyncDriver, *, database: str) -> dict[int, str]:
    records, _, _ = await driver.execute_query(
        untimed("MATCH (m:SchemaMigration) RETURN m.version AS version, m.checksum AS checksum"),
        database_=database,
    )
    return {int(r["version"]): str(r["checksum"]) for r in records}
