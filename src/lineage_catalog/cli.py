"""The `lineage` command: serve the API, run the local Neo4j, migrate, load data, bootstrap
an admin, verify the audit trail."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import logging.config
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lineage_catalog import localneo4j
from lineage_catalog.logs import logging_config
from lineage_catalog.settings import Settings, get_settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `lineage` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    settings = get_settings()
    logging.config.dictConfig(logging_config(settings))
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        return handler(args, settings)
    except localneo4j.LocalNeo4jError as e:
        print(f"lineage: {e}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lineage", description=__doc__)
    parser.add_argument(
        "--actor",
        default=os.environ.get("LINEAGE_CLI_ACTOR") or f"ServiceAccount:cli-{getpass.getuser()}",
        help="who runs this command, as recorded on audit events: Person:<email> or "
        "ServiceAccount:<key> (default: LINEAGE_CLI_ACTOR, else ServiceAccount:cli-<os user>)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the GraphQL API with uvicorn")
    serve.add_argument("--host", help="default: LINEAGE_HOST (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default: LINEAGE_PORT (8000)")
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="the database: migrations and the local Neo4j")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser("migrate", help="apply pending migrations").set_defaults(
        handler=_db_migrate
    )
    start = db_commands.add_parser("start", help="start the local Neo4j (Maven, Java 17)")
    start.add_argument("--port", type=int, help="default: LINEAGE_LOCAL_NEO4J_PORT (7687)")
    start.set_defaults(handler=_db_start)
    db_commands.add_parser("stop", help="stop the local Neo4j").set_defaults(handler=_db_stop)
    db_commands.add_parser("status", help="is the local Neo4j running").set_defaults(
        handler=_db_status
    )

    schema = commands.add_parser("schema", help="the GraphQL schema as SDL")
    schema.add_argument("--write", type=Path, help="write to this file instead of stdout")
    schema.set_defaults(handler=_schema)

    load = commands.add_parser("load", help="bulk-load a Parquet or Arrow IPC file")
    load.add_argument("file", type=Path)
    load.add_argument("--kind", required=True, choices=[k.value for k in _load_kinds()])
    load.add_argument("--batch-size", type=int, default=10_000)
    load.add_argument(
        "--reason",
        help="why: recorded on the audit events (required for ownership and classification rows)",
    )
    load.add_argument(
        "--rejects", type=Path, help="where rejected rows go (default: FILE.rejects.jsonl)"
    )
    load.set_defaults(handler=_load)

    demo = commands.add_parser("demo", help="demo data")
    demo_commands = demo.add_subparsers(required=True, metavar="ACTION")
    demo_load = demo_commands.add_parser("load", help="replace the graph's catalog with demo data")
    demo_load.add_argument("--seed", type=int, default=7)
    demo_load.set_defaults(handler=_demo_load)

    admin = commands.add_parser("admin", help="accounts, from the server's host")
    admin_commands = admin.add_subparsers(required=True, metavar="ACTION")
    bootstrap = admin_commands.add_parser(
        "bootstrap", help="create an admin (every role) and print a new API token for it"
    )
    bootstrap.add_argument("--email", required=True)
    bootstrap.add_argument("--name")
    bootstrap.add_argument(
        "--clearance", action="append", default=[], help="a clearance to grant (repeatable)"
    )
    bootstrap.set_defaults(handler=_admin_bootstrap)

    report = commands.add_parser("report", help="the compliance report of a model version (Q7)")
    report.add_argument("model_version", metavar="MODEL@VERSION")
    report.add_argument(
        "--format", choices=["markdown", "html", "json", "pdf"], default="markdown",
        help="pdf: the HTML report printed by headless Chromium (settings.chromium_path)",
    )  # fmt: skip
    report.add_argument("--output", type=Path, help="write to this file instead of stdout")
    report.set_defaults(handler=_report)

    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(required=True, metavar="ACTION")
    audit_commands.add_parser(
        "verify", help="check the hash chain; name the first broken link (exit 1)"
    ).set_defaults(handler=_audit_verify)
    return parser


def _actor(args: argparse.Namespace) -> Any:
    from lineage_catalog.domain.auth import Actor, Interface

    return Actor(
        uid=args.actor,
        is_agent=not str(args.actor).startswith("Person:"),
        interface=Interface.CLI,
        request_id=f"cli-{uuid.uuid4().hex}",
    )


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        "lineage_catalog.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        # Every worker logs as the settings say; the request lines are the catalog's own.
        log_config=logging_config(settings),
        access_log=False,
    )
    return 0


def _with_driver(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    from lineage_catalog.store.graph import open_driver

    async def run() -> int:
        driver = open_driver(settings)
        try:
            return await work(driver)
        finally:
            await driver.close()

    return asyncio.run(run())


def _db_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from lineage_catalog.store.migrations import migrate

    async def work(driver: Any) -> int:
        applied = await migrate(driver, database=settings.neo4j_database)
        names = ", ".join(f"V{m.version:04d}__{m.name}" for m in applied) or "nothing to apply"
        print(f"migrations: {names}")
        return 0

    return _with_driver(settings, work)


def _local_dir(settings: Settings) -> Path:
    return Path(settings.local_neo4j_dir).resolve()


def _db_start(args: argparse.Namespace, settings: Settings) -> int:
    data_dir = _local_dir(settings)
    running = localneo4j.status(data_dir)
    if running is not None:
        print(f"local Neo4j already running: {running.uri} (pid {running.pid})")
        return 0
    running = localneo4j.start(
        data_dir=data_dir,
        port=args.port or settings.local_neo4j_port,
        heap=settings.local_neo4j_heap,
        pagecache_mb=settings.local_neo4j_pagecache_mb,
    )
    print(f"local Neo4j ready: {running.uri} (pid {running.pid}, data in {data_dir})")
    return 0


def _db_stop(args: argparse.Namespace, settings: Settings) -> int:
    running = localneo4j.status(_local_dir(settings))
    if running is None:
        print("local Neo4j is not running")
        return 0
    localneo4j.stop(running)
    print(f"local Neo4j stopped (pid {running.pid})")
    return 0


def _db_status(args: argparse.Namespace, settings: Settings) -> int:
    running = localneo4j.status(_local_dir(settings))
    if running is None:
        print("local Neo4j is not running")
        return 3
    print(f"local Neo4j running: {running.uri} (pid {running.pid})")
    return 0


def _schema(args: argparse.Namespace, settings: Settings) -> int:
    from lineage_catalog.api.graphql.schema import print_sdl

    sdl = print_sdl(settings)
    if args.write:
        args.write.write_text(sdl)
    else:
        sys.stdout.write(sdl)
    return 0


def _load_kinds() -> list[Any]:
    from lineage_catalog.ingest.arrow import LoadKind

    return list(LoadKind)


def _load(args: argparse.Namespace, settings: Settings) -> int:
    from lineage_catalog.domain.auth import Role
    from lineage_catalog.domain.errors import CatalogError
    from lineage_catalog.ingest.arrow import LoadKind
    from lineage_catalog.services.bulk_load import LoadReport, load, write_rejects
    from lineage_catalog.store.graph import Graph

    def progress(report: LoadReport) -> None:
        sys.stderr.write(
            f"\r{report.kind}: {report.rows:,} rows read, {report.loaded:,} loaded, "
            f"{len(report.rejects):,} rejected, {report.rows_per_second:,.0f} rows/s"
        )
        sys.stderr.flush()

    async def work(driver: Any) -> int:
        graph = Graph.of(driver, settings)
        try:
            # The host's operator holds every role: governed rows need only the load's reason.
            report = await load(graph, source=args.file, kind=LoadKind(args.kind),
                                actor=_actor(args), reason=args.reason, roles=frozenset(Role),
                                batch_size=args.batch_size, progress=progress)  # fmt: skip
        except CatalogError as e:
            print(f"lineage load: {e}", file=sys.stderr)
            return 2
        sys.stderr.write("\n")
        rejects = args.rejects or args.file.with_name(args.file.name + ".rejects.jsonl")
        if report.rejects:
            write_rejects(report, rejects)
        print(
            f"loaded {report.loaded:,} of {report.rows:,} rows in {report.seconds:.1f}s "
            f"({report.rows_per_second:,.0f} rows/s); {len(report.rejects):,} rejected"
            + (f", see {rejects}" if report.rejects else "")
        )
        return 1 if report.rejects else 0

    return _with_driver(settings, work)


def _demo_load(args: argparse.Namespace, settings: Settings) -> int:
    from lineage_catalog.demo import load_demo

    async def work(driver: Any) -> int:
        summary = await load_demo(
            driver, database=settings.neo4j_database, seed=args.seed, actor=_actor(args)
        )
        print(f"demo data loaded: {summary}")
        return 0

    return _with_driver(settings, work)


def _admin_bootstrap(args: argparse.Namespace, settings: Settings) -> int:
    from lineage_catalog.domain.errors import CatalogError
    from lineage_catalog.domain.model import check_email
    from lineage_catalog.services.accounts import bootstrap_admin
    from lineage_catalog.store.graph import Graph

    async def work(driver: Any) -> int:
        graph = Graph.of(driver, settings)
        try:
            email = check_email(args.email, path=["email"])
            issued = await bootstrap_admin(
                graph, actor=_actor(args), email=email, name=args.name, clearances=args.clearance
            )
        except CatalogError as e:
            print(f"lineage admin bootstrap: {e}", file=sys.stderr)
            return 2
        print(f"admin {issued.account}, token {issued.token_id} (shown once):", file=sys.stderr)
        print(issued.token)
        return 0

    return _with_driver(settings, work)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from lineage_catalog.api.graphql.context import Context
    from lineage_catalog.api.graphql.schema import build_schema
    from lineage_catalog.domain.auth import Principal, Role
    from lineage_catalog.domain.errors import CatalogError
    from lineage_catalog.domain.model import Kind
    from lineage_catalog.metrics import Metrics
    from lineage_catalog.reporting import render, report_data, to_pdf
    from lineage_catalog.store.graph import Graph

    actor = _actor(args)
    # The host's operator reads the catalog as a reader without clearances.
    principal = Principal(
        uid=actor.uid,
        kind=Kind.SERVICE_ACCOUNT if actor.is_agent else Kind.PERSON,
        roles=frozenset({Role.READER}),
    )

    async def work(driver: Any) -> int:
        graph = Graph.of(driver, settings)
        context = Context(graph=graph, settings=settings, metrics=Metrics(),
                          request_id=actor.request_id, principal=principal)  # fmt: skip
        try:
            data = await report_data(
                build_schema(settings), context=context, model_version=args.model_version
            )
            document = (
                to_pdf(data, chromium=settings.chromium_path)
                if args.format == "pdf"
                else render(data, args.format).encode()
            )
        except CatalogError as e:
            print(f"lineage report: {e}", file=sys.stderr)
            return 2
        if args.output:
            args.output.write_bytes(document)
        else:
            sys.stdout.buffer.write(document)
            sys.stdout.flush()
        return 0

    return _with_driver(settings, work)


def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from lineage_catalog.services.audit import verify_chain
    from lineage_catalog.store.graph import Graph

    async def work(driver: Any) -> int:
        report = await verify_chain(Graph.of(driver, settings))
        if report.ok:
            print(f"audit chain intact: {report.checked:,} events verified")
            return 0
        print(
            f"audit chain BROKEN at event {report.broken_seq} (key {report.broken_key}): "
            f"{report.problem}; {report.checked:,} events before it verified",
        )
        return 1

    return _with_driver(settings, work)


if __name__ == "__main__":
    raise SystemExit(main())
