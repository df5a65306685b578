"""Where the catalog API spends its CPU during a workload: py-spy attached to the uvicorn
process (sampling, without pausing it) while the harness sends that workload's requests."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

# Innermost frame's file -> what it is part of; first match wins.
AREAS = (
    # uvloop runs the loop in C: its socket I/O and callbacks show under the top frame.
    ("asyncio/runners.py", "event loop in C (uvloop: socket I/O, scheduling)"),
    ("lineage_catalog/store", "catalog store (query calls, props decoding)"),
    ("lineage_catalog/api", "catalog resolvers and types"),
    ("lineage_catalog", "catalog other"),
    ("neo4j/", "neo4j driver (Bolt, records, hydration)"),
    ("strawberry/", "Strawberry (schema, extensions, resolvers)"),
    ("graphql/", "graphql-core (parse, validate, execute)"),
    ("pydantic", "pydantic"),
    ("json", "JSON encoding"),
    ("starlette/", "HTTP stack (uvicorn, starlette, fastapi)"),
    ("fastapi/", "HTTP stack (uvicorn, starlette, fastapi)"),
    ("uvicorn/", "HTTP stack (uvicorn, starlette, fastapi)"),
    ("asyncio/", "asyncio event loop"),
    ("prometheus_client/", "metrics"),
)


def py_spy() -> str | None:
    """The py-spy executable of this environment, if installed."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() else shutil.which("py-spy")


def _area(frame: str) -> str:
    for needle, name in AREAS:
        if needle in frame:
            return name
    return "other (Python runtime, stdlib)"


def summarize(raw: Path, *, top: int = 12) -> str:
    """CPU samples by area (innermost frame) and the functions with most self and total time."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        samples += n
        own[frames[-1]] += n
        areas[_area(frames[-1])] += n
        for frame in set(frames):
            total[frame] += n
    if not samples:
        return "no CPU samples (py-spy saw the process idle)"
    lines = [f"{samples} CPU samples of the API process"]
    lines += ["by area (innermost frame):"]
    lines += [f"  {n / samples:6.1%}  {area}" for area, n in areas.most_common()]
    lines += ["most self time:"]
    lines += [f"  {n / samples:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines += ["most total time (frame on the stack):"]
    lines += [
        f"  {n / samples:6.1%}  {frame}"
        for frame, n in total.most_common()
        if "lineage_catalog" in frame or "strawberry" in frame or "neo4j" in frame
    ][:top]
    return "\n".join(lines)


async def profile(
    pid: int, call: Callable[[int], Awaitable[Any]], *, requests: int, out: Path
) -> str:
    """Send `requests` calls while py-spy samples process pid; returns the summary."""
    spy = py_spy()
    if spy is None:
        return "py-spy is not installed (uv sync installs it with the dev group)"
    command = [spy, "record", "-p", str(pid), "-r", "200", "-f", "raw", "-o", str(out),
               "--nonblocking"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    await asyncio.sleep(1.5)  # py-spy attaches
    try:
        for i in range(requests):
            await call(i)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return await asyncio.to_thread(_summary_of, out, err)


def _summary_of(out: Path, err: bytes) -> str:
    if not out.is_file():
        return f"py-spy wrote no profile: {err.decode(errors='replace')[-500:]}"
    return summarize(out)
