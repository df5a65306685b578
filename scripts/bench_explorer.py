"""Benchmark of the lineage explorer in a real Chromium (not a test): time to an interactive
graph for a 500-node neighbourhood, and for expanding a node with 1,000 neighbours.

    .venv/bin/python scripts/bench_explorer.py [--runs 5]

Starts a local Neo4j on a free port (or uses LINEAGE_NEO4J_URI, whose catalog it REPLACES),
loads a synthetic catalog, serves the API with uvicorn on 127.0.0.1, and drives Debian's
/usr/bin/chromium with Playwright. "Interactive" is the page's own ready mark: the GraphQL
answer merged, the dagre layout done, the node list rendered and two animation frames drawn
(web/src/explore.js `finish`). It prints, per scenario, the wall time seen by the driver and
the page's split (GraphQL request, then layout and drawing).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from playwright.sync_api import Page, sync_playwright

from lineage_catalog import localneo4j
from lineage_catalog.app import create_app
from lineage_catalog.demo import GeneratedCatalog, load_catalog
from lineage_catalog.domain.auth import Actor, Interface
from lineage_catalog.domain.model import Kind, Rel, uid
from lineage_catalog.services.accounts import bootstrap_admin
from lineage_catalog.settings import Settings
from lineage_catalog.store.bulk import EdgeRow, NodeRow
from lineage_catalog.store.graph import Graph, open_driver
from lineage_catalog.store.migrations import migrate

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
WIDE_RUNS = 250  # a source used by 250 runs, each generating one version: 501 nodes at depth 2
PREDICTIONS = 1000


def catalog() -> GeneratedCatalog:
    """A source dataset version read by WIDE_RUNS runs (each writing a version), and a
    deployment that made PREDICTIONS predictions."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    nodes = [
        NodeRow(Kind.DATASET, "src", {"name": "source"}),
        NodeRow(Kind.DATASET_VERSION, "src@1", {"dataset": "src", "version": "1"}),
        NodeRow(Kind.DATASET, "out", {"name": "outputs"}),
        NodeRow(Kind.MODEL, "m", {"name": "m"}),
        NodeRow(Kind.MODEL_VERSION, "m@1", {"model": "m", "version": "1", "stage": "production"}),
        NodeRow(Kind.DEPLOYMENT, "bench/wide", {"name": "wide", "environment": "bench"}),
    ]
    src, mv, dep = (uid(Kind.DATASET_VERSION, "src@1"), uid(Kind.MODEL_VERSION, "m@1"),
                    uid(Kind.DEPLOYMENT, "bench/wide"))  # fmt: skip
    edges = [
        EdgeRow(Rel.VERSION_OF, src, uid(Kind.DATASET, "src")),
        EdgeRow(Rel.VERSION_OF, mv, uid(Kind.MODEL, "m")),
        EdgeRow(Rel.SERVED, dep, mv, {"role": "champion", "traffic_share": 1.0,
                                      "valid_from": t0, "imported": True}),
    ]  # fmt: skip
    for i in range(WIDE_RUNS):
        run, out = f"run-{i:04d}", f"out@{i:04d}"
        nodes.append(NodeRow(Kind.RUN, run, {"run_kind": "transformation", "status": "completed",
                                             "started_at": t0 + timedelta(minutes=i)}))  # fmt: skip
        nodes.append(NodeRow(Kind.DATASET_VERSION, out, {"dataset": "out", "version": f"{i:04d}"}))
        edges += [
            EdgeRow(Rel.USED, uid(Kind.RUN, run), src),
            EdgeRow(Rel.GENERATED, uid(Kind.RUN, run), uid(Kind.DATASET_VERSION, out)),
            EdgeRow(Rel.VERSION_OF, uid(Kind.DATASET_VERSION, out), uid(Kind.DATASET, "out")),
        ]
    for i in range(PREDICTIONS):
        key = f"bench-pred-{i:06d}"
        nodes.append(NodeRow(Kind.PREDICTION, key, {
            "time": t0 + timedelta(seconds=i), "deployment": "bench/wide", "model_version": "m@1"}))  # fmt: skip
    return GeneratedCatalog(nodes=nodes, edges=edges)


async def prepare(settings: Settings) -> str:
    driver = open_driver(settings)
    try:
        await migrate(driver, database=settings.neo4j_database)
        graph = Graph(driver, database=settings.neo4j_database)
        await load_catalog(graph, catalog())
        actor = Actor("ServiceAccount:bench", True, Interface.CLI, "bench")
        issued = await bootstrap_admin(graph, actor=actor, email="bench@bench.example", name="Bench")
        return issued.token
    finally:
        await driver.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(page: Page, gestures: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    script = f"document.body.dataset.state === 'ready' && Number(document.body.dataset.gestures) >= {gestures}"
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise TimeoutError(page.evaluate("document.body.dataset.state"))
        time.sleep(0.005)


def last_timing(page: Page) -> dict[str, Any]:
    timing: dict[str, Any] = page.evaluate("window.explorerTimings[window.explorerTimings.length - 1]")
    return timing


def scenarios(url: str, token: str, runs: int) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {"open 500-node neighbourhood": [],
                                                "expand a node with 1,000 neighbours": []}  # fmt: skip
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for i in range(runs + 1):  # the first round warms Neo4j's and the API's caches up
            context = browser.new_context(viewport={"width": 1500, "height": 1000})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url)
                          else (outside.append(r.request.url), r.abort()))  # fmt: skip
            context.add_init_script(f"sessionStorage.setItem('lineage-catalog.token', {token!r})")
            page = context.new_page()
            started = time.perf_counter()
            page.goto(f"{url}/explore?id=DatasetVersion:src@1&direction=DOWNSTREAM&depth=2&first=1000")
            wait_ready(page, 1)
            wall = time.perf_counter() - started
            opened = last_timing(page)
            page.goto(f"{url}/explore?id=Deployment:bench/wide&direction=UPSTREAM&first=1000")
            wait_ready(page, 1)
            button = page.locator('#nodelist-items > li[data-id="Deployment:bench/wide"] '
                                  'button.expand[data-direction=DOWNSTREAM]')  # fmt: skip
            started = time.perf_counter()
            button.click()
            wait_ready(page, 2)
            expand_wall = time.perf_counter() - started
            expanded = last_timing(page)
            if i > 0:
                results["open 500-node neighbourhood"].append({**opened, "wallMs": wall * 1000})
                results["expand a node with 1,000 neighbours"].append(
                    {**expanded, "wallMs": expand_wall * 1000})
            context.close()
        browser.close()
    assert not outside, f"requests left 127.0.0.1: {outside}"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    running = None
    uri = os.environ.get("LINEAGE_NEO4J_URI")
    if not uri:
        running = localneo4j.start(data_dir=Path(tempfile.mkdtemp(prefix="bench-explorer-")),
                                   port=localneo4j.free_port(), heap="2g")  # fmt: skip
        uri = running.uri
    server = None
    try:
        settings = Settings(neo4j_uri=uri)
        token = asyncio.run(prepare(settings))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                               log_level="warning"))  # fmt: skip
        threading.Thread(target=server.run, daemon=True).start()
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        results = scenarios(url, token, args.runs)
        print(f"bench_explorer: Chromium {os.popen('/usr/bin/chromium --version').read().strip()}, "
              f"{args.runs} runs each after one warm-up, median (min-max) in ms")  # fmt: skip
        for name, rows in results.items():
            def stat(key: str, rows: list[dict[str, Any]] = rows) -> str:
                values = [float(r[key]) for r in rows]
                return f"{statistics.median(values):7.0f} ({min(values):.0f}-{max(values):.0f})"

            print(f"  {name}: {rows[0]['nodes']} nodes, {rows[0]['edges']} edges drawn, "
                  f"{rows[0]['statements']} Cypher statements")  # fmt: skip
            print(f"    wall time to interactive {stat('wallMs')}")
            print(f"    in the page: gesture to interactive {stat('totalMs')}, of which")
            for key, what in (("networkMs", "GraphQL request"), ("mergeMs", "adding elements"),
                              ("layoutMs", "dagre layout"), ("listMs", "node list"),
                              ("drawMs", "drawing (2 frames)")):  # fmt: skip
                print(f"      {what:20} {stat(key)}")
    finally:
        if server is not None:
            server.should_exit = True
        if running is not None:
            localneo4j.stop(running)


if __name__ == "__main__":
    main()
