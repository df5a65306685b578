"""The processes the benchmark harness starts and always stops: the catalog API under
uvicorn and the Neo4j GraphQL Library server, both on 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
NEO4J_GRAPHQL_DIR = ROOT / "scripts" / "neo4j-graphql-bench"
VENV_BIN = Path(sys.executable).parent


class ServerError(RuntimeError):
    """A server could not be started; the message says why."""


@dataclass
class Server:
    """A child process serving HTTP on 127.0.0.1:port."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_file: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM the process group, SIGKILL after timeout_s."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def _spawn(
    name: str,
    command: list[str],
    *,
    port: int,
    env: dict[str, str],
    log: Path,
    cwd: Path,
    ready_path: str,
    timeout_s: float = 120.0,
) -> Server:
    with log.open("w") as out:
        # A session of its own, so that stopping the server also stops what it forked.
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name=name, process=process, port=port, log_file=log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            raise ServerError(f"{name} exited with {process.returncode}:\n{tail}")
        try:
            if httpx.get(server.url + ready_path, timeout=2.0).status_code < 500:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.stop()
    raise ServerError(f"{name} was not ready within {timeout_s:.0f}s; see {log}")


def start_api(
    *,
    neo4j_uri: str,
    port: int,
    log: Path,
    max_page_size: int,
    limits: dict[str, str] | None = None,
    workers: int = 1,
) -> Server:
    """The catalog's FastAPI app under uvicorn, `workers` processes, no access log.
    `limits`: settings of docs/security.md's shared-service limits to change
    (LINEAGE_<NAME> values)."""
    env = {
        **os.environ,
        **{f"LINEAGE_{name.upper()}": value for name, value in (limits or {}).items()},
        "LINEAGE_NEO4J_URI": neo4j_uri,
        "LINEAGE_HOST": "127.0.0.1",
        "LINEAGE_PORT": str(port),
        # W6 reads 10k nodes in one page; the default cap (500) is a guard, not a design limit.
        "LINEAGE_MAX_PAGE_SIZE": str(max_page_size),
        "LINEAGE_GRAPHIQL": "false",
    }
    command = [
        str(VENV_BIN / "uvicorn"),
        "lineage_catalog.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return _spawn(
        "catalog API (uvicorn)",
        command,
        port=port,
        env=env,
        log=log,
        cwd=ROOT,
        ready_path="/readyz",
    )


def bootstrap_token(*, neo4j_uri: str) -> str | None:
    """A Bearer token from `lineage admin bootstrap` once the API has auth; None before."""
    lineage = str(VENV_BIN / "lineage")
    env = {**os.environ, "LINEAGE_NEO4J_URI": neo4j_uri}
    probe = subprocess.run(
        [lineage, "admin", "bootstrap", "--help"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return None
    made = subprocess.run(
        [lineage, "admin", "bootstrap", "--email", "bench@lineage-catalog.invalid"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = made.stdout.strip().splitlines()
    if made.returncode != 0 or len(lines) != 1:
        raise ServerError(f"`lineage admin bootstrap` failed: {made.stderr.strip()[-2000:]}")
    return lines[0].strip()


def npm_ready() -> bool:
    """Node and npm are installed."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def install_neo4j_graphql() -> None:
    """`npm ci` from the checked-in lock file, once (node_modules is kept afterwards)."""
    marker = NEO4J_GRAPHQL_DIR / "node_modules" / "@neo4j" / "graphql" / "package.json"
    if marker.is_file():
        return
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=NEO4J_GRAPHQL_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ServerError(f"npm ci failed:\n{(result.stdout + result.stderr)[-3000:]}")


def start_neo4j_graphql(*, neo4j_uri: str, port: int, log: Path) -> Server:
    """The Neo4j GraphQL Library (graphql-yoga) on the same database, without auth."""
    install_neo4j_graphql()
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_uri,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "NODE_ENV": "production",
    }
    return _spawn(
        "@neo4j/graphql (graphql-yoga)",
        ["node", "server.mjs"],
        port=port,
        env=env,
        log=log,
        cwd=NEO4J_GRAPHQL_DIR,
        ready_path="/health",
    )
