"""The attack suite: start the catalog on loopback and attack it.

    .venv/bin/python scripts/attack.py [--quick] [--parts 1,2,3,4,5] [--max-seconds N]

Starts its own Neo4j on a free port and the API under uvicorn on 127.0.0.1 (demo data, an
admin, a writer, a reader without clearance and a reader cleared for PII), runs the parts,
prints one table (part, requests, 5xx, masked errors, leaks, lost writes, wrong answers,
p50/p99) and the findings behind it, and exits 1 on any of them. It stops everything it
started, also on failure or Ctrl-C. Not part of ./scripts/test.

Parts: 1 schemathesis (GraphQL and OpenAPI), 2 hostile text, 3 restricted-field paths,
4 Neo4j killed during a bulk load and an OpenLineage burst, 5 32 clients of mixed load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import attack_common as common
import bench_servers as servers

from lineage_catalog import localneo4j

ROOT = Path(__file__).resolve().parents[1]
LINEAGE = str(Path(sys.executable).parent / "lineage")
ADMIN_EMAIL = "attack-admin@attack.example"
ACCOUNTS = {
    # who: (account id, roles, clearances)
    "writer": ("ServiceAccount:attack-writer", ["WRITER"], []),
    "approver": ("Person:attack-approver@attack.example", ["APPROVER"], []),
    "reader": ("Person:attack-reader@attack.example", ["READER"], []),
    "cleared": ("Person:attack-cleared@attack.example", ["READER"], ["PII"]),
}
REASON = "attack suite set-up"


class Harness:
    """The processes the suite runs: Neo4j (restartable, for part 4) and the API."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.neo4j_dir = work / "neo4j"
        self.neo4j_port = localneo4j.free_port()
        self.neo4j: localneo4j.RunningNeo4j | None = None
        self.api: servers.Server | None = None

    @property
    def neo4j_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.neo4j_port}"

    def start_neo4j(self) -> None:
        self.neo4j = localneo4j.start(
            data_dir=self.neo4j_dir, port=self.neo4j_port, heap="1g", pagecache_mb=256
        )

    def kill_neo4j(self) -> None:
        """SIGKILL, no checkpoint: what a crash or an OOM kill does."""
        if self.neo4j is None:
            return
        pid = self.neo4j.pid
        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        (self.neo4j_dir / "neo4j.json").unlink(missing_ok=True)
        self.neo4j = None

    def stop(self) -> None:
        if self.api is not None:
            self.api.stop()
            self.api = None
        if self.neo4j is not None:
            localneo4j.stop(self.neo4j)
            self.neo4j = None

    def lineage(self, *args: str) -> str:
        env = {**os.environ, "LINEAGE_NEO4J_URI": self.neo4j_uri}
        done = subprocess.run(
            [LINEAGE, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"lineage {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout


def _gql(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    """A set-up call that must succeed."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"set-up failed: {query[:120]} -> {response.text[:800]}")
    return body["data"]


def make_accounts(url: str, admin_token: str) -> dict[str, str]:
    """A token for each account in ACCOUNTS, made through GraphQL as the admin."""
    tokens = {"admin": admin_token}
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60
    ) as client:
        for who, (account, roles, clearances) in ACCOUNTS.items():
            _gql(
                client,
                "mutation($i: AccountInput!, $r: String!) { createAccount(input: $i, reason: $r)"
                " { id } }",
                {"i": {"id": account, "roles": roles, "clearances": clearances}, "r": REASON},
            )
            issued = _gql(
                client,
                'mutation($a: ID!) { issueToken(account: $a, name: "attack") { token } }',
                {"a": account},
            )
            tokens[who] = issued["issueToken"]["token"]
    return tokens


def start_catalog(harness: Harness) -> common.Catalog:
    """Neo4j, migrations, demo data, an admin, the API and the suite's accounts."""
    t0 = time.monotonic()
    harness.start_neo4j()
    harness.lineage("db", "migrate")
    harness.lineage("demo", "load")
    admin_token = harness.lineage(
        "admin", "bootstrap", "--email", ADMIN_EMAIL, "--name", "Attack Admin", "--clearance", "PII"
    ).strip()
    api_port = localneo4j.free_port()
    harness.api = servers.start_api(
        neo4j_uri=harness.neo4j_uri,
        port=api_port,
        log=harness.work / "api.log",
        max_page_size=500,
        # Every other limit stays at its default; the per-principal rate is off so that the
        # fuzzers' cases reach the handlers (tests/test_shared_service.py covers the rate).
        limits={"rate_limit_per_s": "0"},
    )
    tokens = make_accounts(harness.api.url, admin_token)
    print(
        f"catalog up in {time.monotonic() - t0:.0f}s: API {harness.api.url}, Neo4j "
        f"{harness.neo4j_uri}, work dir {harness.work}",
        file=sys.stderr,
    )
    ids = {who: account for who, (account, _, _) in ACCOUNTS.items()}
    ids["admin"] = f"Person:{ADMIN_EMAIL}"
    return common.Catalog(
        url=harness.api.url,
        tokens=tokens,
        ids=ids,
        log=common.ServerLog(harness.work / "api.log"),
        neo4j_uri=harness.neo4j_uri,
        work=harness.work,
        holder=harness,
    )


def _snapshot(rev: str, target: Path) -> Path:
    """src/ and graph/ of a revision, unpacked where PYTHONPATH puts it before the checkout."""
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", rev, "src", "graph/migrations", "graph/queries"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def git_commit(rev: str | None = None) -> str:
    if rev:
        done = subprocess.run(
            ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True
        )
        return done.stdout.strip() + " (snapshot)"

    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "src"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() + (" (src modified)" if dirty.stdout.strip() else "")


def _parts() -> dict[str, Callable[[common.Catalog, argparse.Namespace], list[common.Part]]]:
    import attack_crash
    import attack_fuzz
    import attack_hostile
    import attack_leaks
    import attack_load

    return {
        "1": attack_fuzz.run,
        "2": attack_hostile.run,
        "3": attack_leaks.run,
        "4": attack_crash.run,
        "5": attack_load.run,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="1,2,3,4,5", help="which parts, e.g. 2,3 (default all)")
    parser.add_argument("--quick", action="store_true", help="a short run of every part")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="time bound of each fuzzing target in part 1 (default 300, quick 40)",
    )
    parser.add_argument("--cases", type=int, default=None, help="part 1: cases per target")
    parser.add_argument("--clients", type=int, default=32, help="part 5: concurrent clients")
    parser.add_argument("--duration", type=float, default=None, help="part 5: seconds (60)")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed for part 1")
    parser.add_argument("--report", type=Path, help="also write the table and findings here")
    parser.add_argument(
        "--at",
        metavar="REV",
        help="attack the code of this git revision (a snapshot of its src/ and graph/) "
        "instead of the working tree",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    args.max_seconds = args.max_seconds or (40.0 if args.quick else 300.0)
    args.cases = args.cases or (400 if args.quick else 5000)
    args.duration = args.duration or (15.0 if args.quick else 60.0)
    chosen = [p.strip() for p in args.parts.split(",") if p.strip()]
    runners = _parts()
    unknown = [p for p in chosen if p not in runners]
    if unknown:
        parser.error(f"unknown parts {unknown}: choose from {sorted(runners)}")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="lineage-attack-"))
    if args.at:
        # Fixed now: commits made while the suite runs do not change what it reports on.
        named = args.at
        args.at = subprocess.run(
            ["git", "rev-parse", "--verify", f"{named}^{{commit}}"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        os.environ["PYTHONPATH"] = str(_snapshot(args.at, work / "snapshot") / "src")
    harness = Harness(work)
    parts: list[common.Part] = []
    started = datetime.now(UTC)
    try:
        catalog = start_catalog(harness)
        import attack_leaks

        attack_leaks.seed(catalog)
        for number in chosen:
            t0 = time.monotonic()
            print(f"part {number} …", file=sys.stderr, flush=True)
            try:
                results = runners[number](catalog, args)
            except Exception as e:  # a crashed part is a failed part, the others still run
                crashed = common.Part(f"{number}. crashed")
                crashed.fail(
                    "bad answer",
                    f"part {number} crashed: {type(e).__name__}",
                    request="-",
                    response=f"{type(e).__name__}: {e}",
                    expected="the part runs to its end",
                )
                results = [crashed]
                import traceback

                traceback.print_exc()
            for part in results:
                part.seconds = part.seconds or time.monotonic() - t0
                print(common.table([part]).splitlines()[-1], file=sys.stderr, flush=True)
            parts.extend(results)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        harness.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}", file=sys.stderr)

    minutes = (datetime.now(UTC) - started).total_seconds() / 60
    header = (
        f"attack suite, {started:%Y-%m-%d %H:%M} UTC, commit {git_commit(args.at)}, "
        f"parts {','.join(chosen)}{' (quick)' if args.quick else ''}, {minutes:.1f} min"
    )
    text = f"{header}\n\n{common.table(parts)}\n"
    findings = common.findings_report(parts)
    print(text)
    if findings:
        print(findings)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(text + "\n" + findings + "\n")
        with args.report.with_suffix(".cases.tsv").open("w") as cases:
            cases.write("part\tcase\tstatus\tGraphQL error codes\n")
            for part in parts:
                for label, status, codes in part.cases:
                    cases.write(f"{part.name}\t{common.clip(label, 120)}\t{status}\t{codes}\n")
        (args.report.with_suffix(".json")).write_text(
            json.dumps([_part_json(p) for p in parts], indent=1)
        )
    return 1 if any(p.failed for p in parts) else 0


def _part_json(part: common.Part) -> dict[str, Any]:
    return {
        "part": part.name,
        "requests": part.requests,
        "statuses": dict(part.statuses),
        "5xx": part.server_errors,
        "masked": part.masked,
        "leaks": part.leaks,
        "lost_writes": part.lost_writes,
        "bad_answers": part.bad_answers,
        "p50_ms": common.percentile(part.latencies_ms, 0.5),
        "p99_ms": common.percentile(part.latencies_ms, 0.99),
        "notes": part.notes,
        "findings": [f.__dict__ for f in part.findings.values()],
    }


if __name__ == "__main__":
    raise SystemExit(main())
