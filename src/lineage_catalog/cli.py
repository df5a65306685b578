"""The `lineage` command: serve the API, run the local Neo4j, migrate, load data, bootstrap
an admin, verify the audit trail."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import importlib.metadata
import logging
import logging.config
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineage_catalog import localneo4j
from lineage_catalog.logs import logging_config
from lineage_catalog.settings import Settings, get_settings

if TYPE_CHECKING:
    from lineage_catalog.cli_progress import LoadBar


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


def _examples(*lines: str) -> str:
    heading = "Example:" if len(lines) == 1 else "Examples:"
    return heading + "\n" + "".join(f"  {line}\n" for line in lines)


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    *examples: str,
) -> argparse.ArgumentParser:
    """A sub-command whose --help shows its summary and examples as written."""
    return commands.add_parser(
        name, help=summary, description=summary, epilog=_examples(*examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lineage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            "lineage db start && lineage db migrate   # a local Neo4j with the catalog's schema",
            "lineage demo load && lineage serve       # demo data behind the API",
            "lineage load predictions.parquet --kind predictions",
            "lineage COMMAND --help                   # a command's options and examples",
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {importlib.metadata.version(_PACKAGE)}"
    )
    parser.add_argument(
        "--actor",
        default=os.environ.get("LINEAGE_CLI_ACTOR") or f"ServiceAccount:cli-{getpass.getuser()}",
        help="who runs this command, as recorded on audit events: Person:<email> or "
        "ServiceAccount:<key> (default: LINEAGE_CLI_ACTOR, else ServiceAccount:cli-<os user>)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = _command(commands, "serve", "serve the GraphQL API with uvicorn",
                     "lineage serve                                  # http://127.0.0.1:8000/graphql",
                     "lineage serve --host 0.0.0.0 --port 8080 --workers 4")  # fmt: skip
    serve.add_argument("--host", help="default: LINEAGE_HOST (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default: LINEAGE_PORT (8000)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (1)")
    serve.set_defaults(handler=_serve)

    db = _command(commands, "db", "the database: migrations and the local Neo4j",
                  "lineage db start && lineage db migrate", "lineage db status")  # fmt: skip
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    _command(db_commands, "migrate", "apply pending migrations (idempotent)",
             "lineage db migrate",
             "LINEAGE_NEO4J_URI=bolt://db.internal:7687 lineage db migrate",
             ).set_defaults(handler=_db_migrate)  # fmt: skip
    start = _command(db_commands, "start", "start the local Neo4j (Maven, Java 17)",
                     "lineage db start", "lineage db start --port 7688")  # fmt: skip
    start.add_argument("--port", type=int, help="default: LINEAGE_LOCAL_NEO4J_PORT (7687)")
    start.set_defaults(handler=_db_start)
    _command(db_commands, "stop", "stop the local Neo4j", "lineage db stop").set_defaults(
        handler=_db_stop
    )
    _command(db_commands, "status", "is the local Neo4j running (exit 3 when not)",
             "lineage db status || lineage db start").set_defaults(handler=_db_status)  # fmt: skip

    schema = _command(commands, "schema", "the GraphQL schema as SDL",
                      "lineage schema --write schema.graphql", "lineage schema | less")  # fmt: skip
    schema.add_argument("--write", type=Path, help="write to this file instead of stdout")
    schema.set_defaults(handler=_schema)

    load = _command(commands, "load", "bulk-load a Parquet or Arrow IPC file",
                    "lineage load predictions.parquet --kind predictions",
                    "lineage load owners.arrow --kind edges --reason 'ownership import'",
                    "lineage load runs.parquet --kind runs --no-progress > load.log",
                    )  # fmt: skip
    load.add_argument("file", type=Path, help="a Parquet file, an Arrow IPC file or stream")
    load.add_argument("--kind", required=True, choices=[k.value for k in _load_kinds()])
    load.add_argument("--batch-size", type=int, default=10_000, help="rows per transaction (10000)")
    load.add_argument(
        "--reason",
        help="why: recorded on the audit events (required for ownership and classification rows)",
    )
    load.add_argument(
        "--rejects", type=Path, help="where rejected rows go (default: FILE.rejects.jsonl)"
    )
    load.add_argument(
        "--progress", action=argparse.BooleanOptionalAction,
        help="a progress bar on stderr: rows, rows/s, rejects (default: when stderr is a terminal)",
    )  # fmt: skip
    load.set_defaults(handler=_load)

    _import_parser(commands)

    demo = _command(commands, "demo", "demo data", "lineage demo load")
    demo_commands = demo.add_subparsers(required=True, metavar="ACTION")
    demo_load = _command(demo_commands, "load", "replace the graph's catalog with demo data",
                         "lineage demo load", "lineage demo load --seed 11")  # fmt: skip
    demo_load.add_argument("--seed", type=int, default=7, help="the generator's seed (7)")
    demo_load.set_defaults(handler=_demo_load)

    admin = _command(commands, "admin", "accounts, from the server's host",
                     "lineage admin bootstrap --email you@example.com")  # fmt: skip
    admin_commands = admin.add_subparsers(required=True, metavar="ACTION")
    bootstrap = _command(
        admin_commands,
        "bootstrap",
        "create an admin (every role) and print a new API token for it",
        "lineage admin bootstrap --email you@example.com --name 'Ada Admin' > token.txt",
        "lineage admin bootstrap --email dpo@example.com --clearance pii --clearance finance",
    )  # fmt: skip
    bootstrap.add_argument("--email", required=True, help="the admin's e-mail, their Person key")
    bootstrap.add_argument("--name", help="their display name")
    bootstrap.add_argument(
        "--clearance", action="append", default=[], help="a clearance to grant (repeatable)"
    )
    bootstrap.set_defaults(handler=_admin_bootstrap)

    report = _command(commands, "report", "the compliance report of a model version (Q7)",
                      "lineage report credit-risk@2",
                      "lineage report credit-risk@2 --format html --output credit-risk-2.html",
                      )  # fmt: skip
    report.add_argument("model_version", metavar="MODEL@VERSION")
    report.add_argument(
        "--format", choices=["markdown", "html", "json", "pdf"], default="markdown",
        help="pdf: the HTML report printed by headless Chromium (settings.chromium_path)",
    )  # fmt: skip
    report.add_argument("--output", type=Path, help="write to this file instead of stdout")
    report.set_defaults(handler=_report)

    audit = _command(commands, "audit", "the audit trail", "lineage audit verify")
    audit_commands = audit.add_subparsers(required=True, metavar="ACTION")
    _command(audit_commands, "verify", "check the hash chain; name the first broken link (exit 1)",
             "lineage audit verify || echo 'audit chain broken'",
             ).set_defaults(handler=_audit_verify)  # fmt: skip
    return parser


_PACKAGE = "lineage-catalog"


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
    from lineage_catalog.services.bulk_load import load, write_rejects
    from lineage_catalog.store.graph import Graph

    show_bar = sys.stderr.isatty() if args.progress is None else args.progress

    async def work(driver: Any) -> int:
        graph = Graph.of(driver, settings)
        with contextlib.ExitStack() as stack:
            bar = stack.enter_context(_load_bar(args.kind)) if show_bar else None
            try:
                # The host's operator holds every role: governed rows need only the load's reason.
                report = await load(graph, source=args.file, kind=LoadKind(args.kind),
                                    actor=_actor(args), reason=args.reason, roles=frozenset(Role),
                                    batch_size=args.batch_size,
                                    progress=bar.update if bar else None)  # fmt: skip
            except CatalogError as e:
                stack.close()  # the bar first, then the message below it
                print(f"lineage load: {e}", file=sys.stderr)
                return 2
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


def _import_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = _command(commands, "import",
                   "build a new database offline from bulk files with Neo4j's import tool",
                   "lineage import --into .local/backfill --reason 'first backfill' "
                   "predictions=predictions-2025.parquet",
                   "lineage import --into .local/fresh --no-base --reason 'fresh catalog' "
                   "features=features.parquet runs=runs.parquet edges=lineage.arrow",
                   )  # fmt: skip
    kinds = ", ".join(k.value for k in _load_kinds() if k.value != "observations")
    imp.add_argument("files", nargs="+", metavar="KIND=FILE",
                     help=f"a file and its kind ({kinds}), in the order given")  # fmt: skip
    imp.add_argument("--into", required=True, type=Path, metavar="DIR",
                     help="a new data folder (what LINEAGE_LOCAL_NEO4J_DIR names)")  # fmt: skip
    imp.add_argument("--reason", required=True, metavar="TEXT",
                     help="why: recorded on the import's audit events")  # fmt: skip
    imp.add_argument("--base", action=argparse.BooleanOptionalAction, default=True,
                     help="start from the catalog at LINEAGE_NEO4J_URI (default), or from "
                     "nothing")  # fmt: skip
    imp.add_argument("--batch-size", type=int, default=10_000, help="rows validated at a time")
    imp.set_defaults(handler=_import)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from lineage_catalog.domain.errors import CatalogError
    from lineage_catalog.ingest.arrow import LoadKind
    from lineage_catalog.services.bulk_import import ImportFile, import_files, write_import_rejects

    files = []
    for spec in args.files:
        kind, _, name = spec.partition("=")
        if kind not in {k.value for k in LoadKind} or not name:
            print(f"lineage import: {spec!r} is not KIND=FILE with a bulk kind", file=sys.stderr)
            return 2
        files.append(ImportFile(LoadKind(kind), Path(name)))

    async def work(driver: Any) -> int:
        try:
            report = await import_files(files=files, into=args.into, actor=_actor(args),
                                        reason=args.reason, settings=settings,
                                        base_driver=driver, batch_size=args.batch_size)  # fmt: skip
        except CatalogError as e:
            print(f"lineage import: {e}", file=sys.stderr)
            return 2
        if not report.imported:
            for line in write_import_rejects(report)[:20]:
                print(line, file=sys.stderr)
            print(f"import rejected: {report.rejected:,} of {report.rows:,} rows are bad; nothing "
                  "was written (each file's rejects are in FILE.rejects.jsonl)")  # fmt: skip
            return 1
        print(f"imported {report.rows:,} rows from {len(files)} files into {args.into} in "
              f"{report.seconds:.1f}s ({report.rows_per_second:,.0f} rows/s): "
              f"{report.nodes:,} nodes, {report.relationships:,} relationships "
              f"({report.base_nodes:,} and {report.base_relationships:,} from the catalog); "
              f"counts verified, audit chain intact")  # fmt: skip
        print(f"serve it: LINEAGE_LOCAL_NEO4J_DIR={args.into} lineage db start")
        return 0

    if not args.base:
        return asyncio.run(work(None))
    return _with_driver(settings, work)


def _load_bar(kind: str) -> LoadBar:
    from lineage_catalog.cli_progress import LoadBar

    return LoadBar(kind=kind, stream=sys.stderr)


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
