"""The one gateway to Neo4j: named queries, read and write transactions, timing and counting."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neo4j import (
    READ_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    AsyncSession,
    Bookmarks,
    Query,
    unit_of_work,
)
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from lineage_catalog.domain.errors import (
    BadInputError,
    CatalogError,
    GraphUnavailableError,
    RequestTimeoutError,
)
from lineage_catalog.settings import Settings
from lineage_catalog.store.files import query_text

T = TypeVar("T")
QueryObserver = Callable[[str, float], None]


@dataclass
class StatementCounter:
    """Statements sent to Neo4j while this counter is current (one per GraphQL request)."""

    count: int = 0
    names: list[str] = field(default_factory=list)


current_counter: ContextVar[StatementCounter | None] = ContextVar("statement_counter", default=None)

MAX_BOOKMARKS = 16
MAX_BOOKMARK_CHARS = 512
# What Neo4j answers for a bookmark it did not give (or of another database), and when the
# database has not reached a bookmark's transaction in time (db.transaction.bookmark_ready_timeout).
_BAD_BOOKMARK = {
    "Neo.ClientError.Transaction.InvalidBookmark",
    "Neo.ClientError.Transaction.InvalidBookmarkMixture",
}
_BOOKMARK_TIMEOUT = "Neo.TransientError.Transaction.BookmarkTimeout"


@dataclass
class Causality:
    """The Neo4j bookmarks of one request (read-your-writes across instances).

    `given`: those the client sent back from an earlier write; every statement of the
    request runs after the transactions they name. `written`: the bookmark the request's
    last write left, which later statements of the request run after too and which the
    response returns (docs/scaling.md)."""

    given: tuple[str, ...] = ()
    written: tuple[str, ...] | None = None

    def bookmarks(self) -> Bookmarks | None:
        values = self.written if self.written is not None else self.given
        return Bookmarks.from_raw_values(values) if values else None


current_causality: ContextVar[Causality | None] = ContextVar("causality", default=None)


def untimed(text: str) -> Query:
    """A statement sent with no transaction timeout of its own: bulk and schema work (a
    migration, a `CALL ... IN TRANSACTIONS` job such as the catalog's wipe), which is not a
    request. Neo4j runs such a job in one outer transaction for its whole length, each
    batch committing on its own, so a database's default timeout meant for requests (the
    local Neo4j's is 10 minutes) would cancel a wipe or a migration of a large catalog
    half-way: a default run of the harness once lost IMPORT so, wiping 11M nodes. Each
    batch still runs under that default, whatever the client asks
    (tests/test_bulk_statements.py), so batches stay small. `CALL ... IN TRANSACTIONS`
    also needs an auto-commit transaction (session.run), and its work must be idempotent."""
    return Query(text, timeout=0)


def parse_bookmarks(value: object, *, path: list[str | int]) -> tuple[str, ...]:
    """Bookmarks as a client sends them back: a list of at most MAX_BOOKMARKS printable
    ASCII strings of at most MAX_BOOKMARK_CHARS each, else BadInputError at `path`."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInputError("bookmarks must be a list of strings", path=path)
    if len(value) > MAX_BOOKMARKS:
        raise BadInputError(f"at most {MAX_BOOKMARKS} bookmarks", path=path)
    for i, v in enumerate(value):
        if not (0 < len(v) <= MAX_BOOKMARK_CHARS and v.isascii() and v.isprintable()):
            raise BadInputError(
                f"a bookmark is 1 to {MAX_BOOKMARK_CHARS} printable ASCII characters",
                path=[*path, i],
            )
    return tuple(value)


def _bookmarks() -> Bookmarks | None:
    causality = current_causality.get()
    return causality.bookmarks() if causality is not None else None


def _bookmark_error(error: Neo4jError) -> CatalogError | None:
    """The caller's error for a bookmark Neo4j refused, or None for any other error."""
    if error.code in _BAD_BOOKMARK:
        return BadInputError(
            "a bookmark given is not one this database gave: send back the bookmarks of "
            "an earlier response as they were",
            path=["bookmarks"],
        )
    if error.code == _BOOKMARK_TIMEOUT:
        return GraphUnavailableError(
            "the database has not reached the transaction a bookmark names: retry later"
        )
    return None


async def _remember_write(session: AsyncSession) -> None:
    causality = current_causality.get()
    if causality is not None:
        causality.written = tuple((await session.last_bookmarks()).raw_values)


@dataclass(frozen=True, slots=True)
class Deadline:
    """When the current request must be done, and the budget it was given."""

    at: float  # time.monotonic()
    budget_s: float

    def left(self) -> float:
        """Seconds left, or RequestTimeoutError when none are."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise RequestTimeoutError(self._message())
        return left

    def _message(self) -> str:
        return f"the request took longer than its {self.budget_s:g} s and was stopped"


current_deadline: ContextVar[Deadline | None] = ContextVar("request_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Within this block every transaction gets the time left as its Neo4j transaction
    timeout, so the server cancels a statement that would outlive the request."""
    limit = Deadline(at=time.monotonic() + seconds, budget_s=seconds)
    token = current_deadline.set(limit)
    try:
        yield limit
    finally:
        current_deadline.reset(token)


def _time_left() -> float | None:
    limit = current_deadline.get()
    return limit.left() if limit is not None else None


def _timed_out(error: Neo4jError) -> bool:
    """The database ended the statement because the request's time was up: a timeout while
    running, or, while waiting for another writer's lock, LockClientStopped (which also ends
    a transaction an operator terminated, so it counts only once the time is spent)."""
    code = error.code or ""
    if "TransactionTimedOut" in code:
        return True
    left = _time_left()
    return code.endswith(("LockClientStopped", "Terminated")) and left is not None and left <= 0


def _timeout_error(error: Neo4jError) -> RequestTimeoutError:
    limit = current_deadline.get()
    budget = f"its {limit.budget_s:g} s" if limit else "its time"
    return RequestTimeoutError(
        f"the request took longer than {budget}; the database cancelled the statement"
    )


def open_driver(settings: Settings) -> AsyncDriver:
    """The one async driver of a process."""
    return AsyncGraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        max_connection_pool_size=settings.neo4j_max_connection_pool_size,
        connection_timeout=settings.neo4j_connection_timeout_s,
        max_transaction_retry_time=settings.neo4j_retry_time_s,
        # Schema notifications (e.g. "label does not exist" on an empty graph) are noise here.
        notifications_min_severity="OFF",
    )


class WriteTx:
    """A write transaction in progress: every statement of one change, committed together."""

    def __init__(self, graph: Graph, tx: AsyncManagedTransaction) -> None:
        self._graph = graph
        self._tx = tx

    async def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run graph/queries/<name>.cypher inside this transaction."""
        return await self._graph._run(self._tx, name, params)


class Graph:
    """Runs named queries against one database, through one driver."""

    def __init__(
        self,
        driver: AsyncDriver,
        *,
        database: str,
        observer: QueryObserver | None = None,
        retry_time_s: float = 5.0,
    ) -> None:
        self.driver = driver
        self.database = database
        self._observer = observer
        self._retry_time_s = retry_time_s

    @classmethod
    def of(
        cls, driver: AsyncDriver, settings: Settings, *, observer: QueryObserver | None = None
    ) -> Graph:
        """The graph of the configured database, with the configured retry time."""
        return cls(driver, database=settings.neo4j_database, observer=observer,
                   retry_time_s=settings.neo4j_retry_time_s)  # fmt: skip

    async def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run one named read query, retried on transient errors for up to retry_time_s.

        An auto-commit read: one round trip (RUN and PULL), where a managed transaction
        adds a COMMIT round trip to every statement (1.7 against 1.1 ms a statement here).
        A single read statement gains nothing from a transaction; the retry that managed
        transactions give is done here instead."""
        deadline: float | None = None  # counted from the first failure, as the driver does
        delay = 0.05
        while True:
            try:
                async with self.driver.session(
                    database=self.database,
                    default_access_mode=READ_ACCESS,
                    bookmarks=_bookmarks(),
                ) as session:
                    return await self._run(session, name, params)
            except (Neo4jError, DriverError, OSError) as e:
                if isinstance(e, Neo4jError) and _timed_out(e):
                    raise _timeout_error(e) from e
                if isinstance(e, Neo4jError) and (refused := _bookmark_error(e)):
                    raise refused from e
                if not isinstance(e, OSError) and not e.is_retryable():
                    raise
                deadline = deadline or time.monotonic() + self._retry_time_s
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if isinstance(e, Neo4jError):
                        raise
                    raise GraphUnavailableError(f"Neo4j is unavailable: {e}") from e
            await asyncio.sleep(min(remaining, delay * random.uniform(0.8, 1.2)))
            delay = min(delay * 2, 1.0)

    async def read_collected(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run a named read query that collects its answer into one row's `rows` column.

        The async driver spends tens of microseconds on each record it receives, so a
        query that answers with many rows (pages, batch lookups) sends one list instead."""
        found = await self.read(name, **params)
        return list(found[0]["rows"]) if found else []

    async def write(self, work: Callable[[WriteTx], Awaitable[T]]) -> T:
        """Run work in one write transaction: all of it commits, or none of it."""

        async def unit(tx: AsyncManagedTransaction) -> T:
            return await work(WriteTx(self, tx))

        return await self._write_transaction(work=unit)

    async def run_batched(self, name: str, /, **params: Any) -> None:
        """Run a named `CALL ... IN TRANSACTIONS` statement (see untimed): it commits
        batch by batch, untimed, so only use it for idempotent bulk work."""
        counter = current_counter.get()
        if counter is not None:
            counter.count += 1
            counter.names.append(name)
        try:
            async with self.driver.session(
                database=self.database, bookmarks=_bookmarks()
            ) as session:
                result = await session.run(untimed(query_text(name)), params)
                await result.consume()
                await _remember_write(session)
        except (ServiceUnavailable, SessionExpired, OSError) as e:
            raise GraphUnavailableError(f"Neo4j is unavailable: {e}") from e
        except Neo4jError as e:
            if refused := _bookmark_error(e):
                raise refused from e
            raise

    async def ping(self) -> None:
        """Raise GraphUnavailableError unless the database answers a query (no retries)."""
        try:
            async with self.driver.session(database=self.database) as session:
                result = await session.run("RETURN 1 AS ok")
                await result.consume()
        except (ServiceUnavailable, SessionExpired, OSError) as e:
            raise GraphUnavailableError(f"Neo4j is unavailable: {e}") from e

    async def _write_transaction(
        self, *, work: Callable[[AsyncManagedTransaction], Awaitable[T]]
    ) -> T:
        left = _time_left()
        unit = unit_of_work(timeout=left)(work) if left is not None else work
        try:
            async with self.driver.session(
                database=self.database, bookmarks=_bookmarks()
            ) as session:
                done = await session.execute_write(unit)
                await _remember_write(session)
                return done
        except (ServiceUnavailable, SessionExpired, OSError) as e:
            raise GraphUnavailableError(f"Neo4j is unavailable: {e}") from e
        except Neo4jError as e:
            if _timed_out(e):
                raise _timeout_error(e) from e
            if refused := _bookmark_error(e):
                raise refused from e
            raise

    async def _run(
        self, tx: AsyncManagedTransaction | AsyncSession, name: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        counter = current_counter.get()
        if counter is not None:
            counter.count += 1
            counter.names.append(name)
        started = time.perf_counter()
        text = query_text(name)
        left = _time_left()  # nothing is sent once the request's time is up
        statement: Any = text
        if isinstance(tx, AsyncSession) and left is not None:
            statement = Query(text, timeout=left)
        try:
            result = await tx.run(statement, params)
        except UnicodeEncodeError as e:
            # Text Bolt cannot carry (a lone surrogate) that no rule caught by its field
            # first, e.g. a search term: the caller's text, never an unexpected error.
            raise BadInputError("text is not valid Unicode (a lone surrogate)") from e
        # Not record.data(): it walks every nested value looking for graph types to convert,
        # which our queries never return (they return maps and lists), at a cost that grew
        # with the answer (a fifth of a 10k-node page's time).
        rows = [dict(zip(record.keys(), record.values(), strict=True)) async for record in result]
        if self._observer is not None:
            self._observer(name, time.perf_counter() - started)
        return rows
