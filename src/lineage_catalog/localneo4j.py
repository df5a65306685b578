"""Start, stop and inspect the local Neo4j (embedded, Bolt on 127.0.0.1) built from Maven.

Used by `lineage db start|stop|status`, `./scripts/run` and the test suite, so a machine
without Docker still gets a real Neo4j 5.26 Community server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LAUNCHER_CLASS = "lineagecatalog.localneo4j.Launcher"
READY_PREFIX = "READY "


class LocalNeo4jError(RuntimeError):
    """The local Neo4j could not be built, started or stopped; the message says why."""


@dataclass(frozen=True)
class RunningNeo4j:
    """A local Neo4j process this module started."""

    pid: int
    port: int
    data_dir: Path
    log_file: Path

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"


def find_launcher_dir(start: Path | None = None) -> Path:
    """The graph/local-neo4j folder of this checkout."""
    candidates = [start or Path.cwd(), Path(__file__).resolve()]
    for origin in candidates:
        for folder in [origin, *origin.parents]:
            pom = folder / "graph" / "local-neo4j" / "pom.xml"
            if pom.is_file():
                return pom.parent
    raise LocalNeo4jError(
        "graph/local-neo4j/pom.xml not found: run this from a lineage-catalog checkout"
    )


def _require_tool(name: str, hint: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise LocalNeo4jError(f"`{name}` is not installed or not on PATH: {hint}")
    return path


def build_classpath(launcher_dir: Path, *, profile: str | None = None) -> str:
    """Compile the launcher and resolve Neo4j's jars with Maven; cached after the first run.

    `profile` names an opt-in Maven profile of graph/local-neo4j/pom.xml (e.g. "apoc" for the
    benchmark) whose extra jars join the classpath; without it nothing else is resolved.
    """
    target = launcher_dir / "target"
    classpath_file = target / (f"classpath-{profile}.txt" if profile else "classpath.txt")
    launcher_class = target / "classes" / (LAUNCHER_CLASS.replace(".", "/") + ".class")
    sources = [launcher_dir / "pom.xml", *launcher_dir.glob("src/**/*.java")]
    if classpath_file.is_file() and launcher_class.is_file():
        newest_source = max(p.stat().st_mtime for p in sources)
        built_at = min(classpath_file.stat().st_mtime, launcher_class.stat().st_mtime)
        jars = classpath_file.read_text().strip().split(os.pathsep)
        if built_at >= newest_source and all(Path(j).is_file() for j in jars):
            return _classpath(target, jars)

    _require_tool("java", "install a Java 17 JDK (e.g. `apt-get install openjdk-17-jdk-headless`)")
    mvn = _require_tool("mvn", "install Maven (e.g. `apt-get install maven`)")
    command = [
        mvn,
        "-q",
        "-B",
        "compile",
        "dependency:build-classpath",
        f"-Dmdep.outputFile={classpath_file}",
        *([f"-P{profile}"] if profile else []),
    ]
    result = subprocess.run(command, cwd=launcher_dir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-3000:]
        raise LocalNeo4jError(
            "Maven could not build the local Neo4j launcher (is the Maven repository "
            f"reachable, or are the artifacts cached in ~/.m2?):\n{output}"
        )
    jars = classpath_file.read_text().strip().split(os.pathsep)
    return _classpath(target, jars)


def _classpath(target: Path, jars: list[str]) -> str:
    return os.pathsep.join([str(target / "classes"), *jars])


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    *,
    data_dir: Path,
    port: int,
    heap: str = "2g",
    pagecache_mb: int = 512,
    timeout_s: float = 180.0,
    launcher_dir: Path | None = None,
    profile: str | None = None,
    transaction_timeout_ms: int = 600_000,
) -> RunningNeo4j:
    """Start Neo4j on 127.0.0.1:port with its store in data_dir; return once Bolt answers.

    `profile` adds an opt-in Maven profile's jars (see build_classpath);
    `transaction_timeout_ms` is the database's default transaction timeout.
    """
    launcher_dir = launcher_dir or find_launcher_dir()
    java = _require_tool("java", "install a Java 17 JDK")
    if not port_is_free(port):
        raise LocalNeo4jError(
            f"port {port} on 127.0.0.1 is already taken: stop what listens there "
            "(`lineage db status`) or choose another with LINEAGE_LOCAL_NEO4J_PORT"
        )
    classpath = build_classpath(launcher_dir, profile=profile)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = data_dir / "neo4j.log"
    command = [
        java,
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-XX:+ExitOnOutOfMemoryError",
        "-cp",
        classpath,
        LAUNCHER_CLASS,
        str(data_dir / "store"),
        str(port),
        str(pagecache_mb),
        str(transaction_timeout_ms),
    ]
    with log_file.open("w") as log:
        # A session of its own: Ctrl-C in the terminal reaches our stop(), which shuts
        # Neo4j down cleanly, instead of killing the JVM mid-write.
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    running = RunningNeo4j(pid=process.pid, port=port, data_dir=data_dir, log_file=log_file)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalNeo4jError(
                f"Neo4j exited with code {process.returncode} before it was ready; "
                f"last lines of {log_file}:\n{_tail(log_file)}"
            )
        if READY_PREFIX in log_file.read_text(errors="replace"):
            _write_state(running)
            return running
        time.sleep(0.2)
    stop(running)
    raise LocalNeo4jError(f"Neo4j was not ready within {timeout_s:.0f}s; see {log_file}")


def stop(running: RunningNeo4j, *, timeout_s: float = 60.0) -> None:
    """Shut Neo4j down with SIGTERM (clean checkpoint), SIGKILL after timeout_s."""
    try:
        os.kill(running.pid, signal.SIGTERM)
    except ProcessLookupError:
        _clear_state(running.data_dir)
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(running.pid):
            break
        time.sleep(0.1)
    else:
        os.kill(running.pid, signal.SIGKILL)
        while _alive(running.pid):
            time.sleep(0.1)
    _clear_state(running.data_dir)


def status(data_dir: Path) -> RunningNeo4j | None:
    """The Neo4j started for data_dir, if it is still running."""
    state = data_dir / "neo4j.json"
    if not state.is_file():
        return None
    raw = json.loads(state.read_text())
    running = RunningNeo4j(
        pid=int(raw["pid"]),
        port=int(raw["port"]),
        data_dir=data_dir,
        log_file=Path(raw["log_file"]),
    )
    if not _alive(running.pid):
        _clear_state(data_dir)
        return None
    return running


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        # Not our child (started by another command): ask the kernel instead.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return _not_zombie(pid)
    return finished == 0


def _not_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _write_state(running: RunningNeo4j) -> None:
    state = {"pid": running.pid, "port": running.port, "log_file": str(running.log_file)}
    (running.data_dir / "neo4j.json").write_text(json.dumps(state))


def _clear_state(data_dir: Path) -> None:
    (data_dir / "neo4j.json").unlink(missing_ok=True)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
