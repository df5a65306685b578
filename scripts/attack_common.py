"""What every part of the attack suite shares: the running catalog it attacks, how an answer
is judged (5xx, masked error, invalid JSON) and the tally each part prints as a table row."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

MASKED_MESSAGE = "Unexpected error."
MASKED_CODE = "INTERNAL_SERVER_ERROR"
MAX_EXAMPLE_CHARS = 600


def clip(value: Any, limit: int = MAX_EXAMPLE_CHARS) -> str:
    """A printable excerpt of a request or response for the report."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("unicode_escape", errors="backslashreplace").decode("ascii")
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} chars)"


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def strict_json(content: bytes) -> Any:
    """The body as JSON, refusing NaN/Infinity (which json.loads accepts but JSON is not)."""
    return json.loads(content, parse_constant=_refuse_constant)


def graphql_errors(body: Any) -> list[dict[str, Any]]:
    """The `errors` of a GraphQL answer (empty when there are none or it is not GraphQL)."""
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [e for e in body["errors"] if isinstance(e, dict)]
    return []


def is_masked(error: dict[str, Any]) -> bool:
    """An unexpected error the server hid: "Unexpected error." or INTERNAL_SERVER_ERROR."""
    code = (error.get("extensions") or {}).get("code")
    return error.get("message") == MASKED_MESSAGE or code == MASKED_CODE


def error_codes(body: Any) -> list[str]:
    """The extensions.code of each GraphQL error ("" where it has none)."""
    return [str((e.get("extensions") or {}).get("code") or "") for e in graphql_errors(body)]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile; NaN of nothing."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


@dataclass
class Finding:
    """One kind of failure, deduplicated: how often, and the first example seen."""

    kind: str  # 5xx, masked, leak, lost write, bad answer
    key: str
    request: str
    response: str
    expected: str
    cause: str = ""
    count: int = 0


@dataclass
class Part:
    """The tally of one part: a row of the table, and the findings behind its numbers."""

    name: str
    requests: int = 0
    server_errors: int = 0
    masked: int = 0
    leaks: int = 0
    lost_writes: int = 0
    bad_answers: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # GraphQL: data, or error codes
    latencies_ms: list[float] = field(default_factory=list)
    by_label: dict[str, list[float]] = field(default_factory=dict)
    cases: list[tuple[str, int, str]] = field(default_factory=list)  # label, status, codes
    keep_cases: bool = False
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def failed(self) -> bool:
        """Any 5xx, masked error, leak, lost write or wrong answer."""
        return bool(
            self.server_errors or self.masked or self.leaks or self.lost_writes or self.bad_answers
        )

    def count_request(self, status: int, elapsed_ms: float | None, label: str = "") -> None:
        with self._lock:
            self.requests += 1
            self.statuses[status] += 1
            if elapsed_ms is not None:
                self.latencies_ms.append(elapsed_ms)
                if label:
                    self.by_label.setdefault(label, []).append(elapsed_ms)

    def count_outcome(self, body: Any) -> None:
        """What a GraphQL answer held: data without errors, or its errors' codes."""
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            return
        codes = sorted(set(error_codes(body)))
        with self._lock:
            self.outcomes["data" if not codes else "+".join(c or "no code" for c in codes)] += 1

    def outcome_note(self) -> None:
        if self.outcomes:
            self.note("GraphQL answers: " + ", ".join(
                f"{k} {v:,}" for k, v in self.outcomes.most_common()))  # fmt: skip

    def latency_note(self) -> None:
        """p50/p99 per kind of request, slowest first."""
        rows = sorted(self.by_label.items(), key=lambda kv: -percentile(kv[1], 0.5))
        self.note(
            "latency by request (n, p50, p99 ms): "
            + "; ".join(
                f"{label} {len(v)}, {percentile(v, 0.5):.0f}, {percentile(v, 0.99):.0f}"
                for label, v in rows
            )
        )

    def fail(
        self,
        kind: str,
        key: str,
        *,
        request: Any,
        response: Any,
        expected: str,
        cause: str = "",
        weight: int = 1,
    ) -> None:
        """Count one failure of `kind`; the first example of each (kind, key) is kept."""
        with self._lock:
            if kind == "5xx":
                self.server_errors += weight
            elif kind == "masked":
                self.masked += weight
            elif kind == "leak":
                self.leaks += weight
            elif kind == "lost write":
                self.lost_writes += weight
            else:
                self.bad_answers += weight
            finding = self.findings.get((kind, key))
            if finding is None:
                finding = Finding(kind, key, clip(request), clip(response), expected, cause)
                self.findings[(kind, key)] = finding
            finding.count += weight

    def note(self, text: str) -> None:
        with self._lock:
            self.notes.append(text)


class ServerLog:
    """The API's log file, read from an offset: what the server said about one request."""

    _EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exceeded|Overflow)\w*):? ?(.*)$")

    def __init__(self, path: Path) -> None:
        self.path = path

    def offset(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def since(self, offset: int) -> str:
        try:
            with self.path.open("rb") as f:
                f.seek(offset)
                return f.read(200_000).decode("utf-8", errors="replace")
        except OSError:
            return ""

    def cause(self, offset: int) -> str:
        """The last exception line logged since offset (e.g. `OverflowError: date value out
        of range`), else the last line."""
        text = self.since(offset)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in reversed(lines):
            if self._EXCEPTION.match(line) and not line.startswith("During handling"):
                return line[:300]
        return lines[-1][:300] if lines else ""


def normalise_cause(cause: str) -> str:
    """A cause without the values that differ between otherwise equal failures."""
    cause = re.sub(r"0x[0-9a-f]+", "0x…", cause)
    cause = re.sub(r"'[^']{20,}'", "'…'", cause)
    return re.sub(r"\d+", "N", cause)[:160]


@dataclass
class Answer:
    """One HTTP answer, judged."""

    status: int
    body: Any  # parsed JSON, or None
    text: str
    elapsed_ms: float
    invalid_json: str = ""  # why the body is not valid JSON, when it claims to be
    cause: str = ""  # what the server logged, for 5xx and masked answers

    @property
    def errors(self) -> list[dict[str, Any]]:
        return graphql_errors(self.body)

    @property
    def masked(self) -> list[dict[str, Any]]:
        return [e for e in self.errors if is_masked(e)]

    @property
    def codes(self) -> list[str]:
        return error_codes(self.body)

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    def refused(self) -> bool:
        """A clean refusal: a 4xx, or GraphQL errors that are all coded and none masked."""
        if 400 <= self.status < 500:
            return True
        return bool(self.errors) and not self.masked


@dataclass
class Catalog:
    """The catalog under attack: its URL, tokens, the Neo4j it runs on and their logs."""

    url: str
    tokens: dict[str, str]
    ids: dict[str, str]
    log: ServerLog
    neo4j_uri: str
    work: Path
    holder: Any  # the harness: restarts Neo4j for part 4

    def headers(self, who: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def client(self, who: str = "admin", timeout: float = 60.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers(who), timeout=timeout)


def send(
    client: httpx.Client,
    part: Part,
    log: ServerLog,
    method: str,
    path: str,
    *,
    label: str,
    content: bytes | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    count_5xx: bool = True,
) -> Answer:
    """Send one request, count it, and record 5xx, masked errors and invalid JSON."""
    offset = log.offset()
    started = time.perf_counter()
    if json_body is not None:
        content = json.dumps(json_body).encode()
        headers = {"Content-Type": "application/json", **(headers or {})}
    try:
        response = client.request(method, path, content=content, headers=headers, params=params)
    except httpx.HTTPError as e:
        elapsed = (time.perf_counter() - started) * 1000
        part.count_request(0, elapsed)
        part.fail(
            "bad answer",
            f"{label}: no answer ({type(e).__name__})",
            request=_describe(method, path, content),
            response=f"{type(e).__name__}: {e}",
            expected="an HTTP answer",
            cause=log.cause(offset),
        )
        return Answer(0, None, "", elapsed)
    elapsed = (time.perf_counter() - started) * 1000
    return judge(part, log, offset, method, path, content, response, elapsed, label, count_5xx)


def _describe(method: str, path: str, content: bytes | None) -> str:
    body = "" if content is None else content[:400].decode("utf-8", errors="backslashreplace")
    return f"{method} {path} {body}"


def judge(
    part: Part,
    log: ServerLog,
    offset: int,
    method: str,
    path: str,
    content: bytes | None,
    response: httpx.Response,
    elapsed_ms: float,
    label: str,
    count_5xx: bool = True,
) -> Answer:
    """Count an answer and record what is wrong with it."""
    part.count_request(response.status_code, elapsed_ms, label)
    answer = Answer(response.status_code, None, response.text, elapsed_ms)
    is_json = "json" in response.headers.get("content-type", "")
    if is_json:
        try:
            answer.body = strict_json(response.content)
        except ValueError as e:
            answer.invalid_json = str(e)
            try:
                answer.body = json.loads(response.content)
            except ValueError:
                answer.body = None
    part.count_outcome(answer.body)
    if part.keep_cases:
        part.cases.append((label, response.status_code, ",".join(sorted(set(answer.codes)))))
    request = _describe(method, path, content)
    if response.status_code >= 500 and (count_5xx or response.status_code != 503):
        answer.cause = log.cause(offset)
        part.fail(
            "5xx",
            f"{label}: HTTP {response.status_code} {normalise_cause(answer.cause)}",
            request=request,
            response=f"{response.status_code} {response.text[:300]}",
            expected="a 4xx with the reason (or success)",
            cause=answer.cause,
        )
    for error in answer.masked:
        answer.cause = answer.cause or log.cause(offset)
        where = ".".join(str(p) for p in error.get("path") or []) or "-"
        where = re.sub(r"\.\d+", ".N", where)
        part.fail(
            "masked",
            f"{label} at {where}: {normalise_cause(answer.cause)}",
            request=request,
            response=response.text[:400],
            expected="BAD_USER_INPUT (or another coded error) naming the input, or success",
            cause=answer.cause,
        )
    if answer.invalid_json:
        part.fail(
            "bad answer",
            f"{label}: response is not JSON ({answer.invalid_json})",
            request=request,
            response=response.text[:400],
            expected="valid JSON (no NaN/Infinity): refuse non-finite numbers or store strings",
        )
    return answer


def graphql(
    client: httpx.Client,
    part: Part,
    log: ServerLog,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    label: str,
    headers: dict[str, str] | None = None,
) -> Answer:
    """POST one GraphQL operation and judge it."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return send(client, part, log, "POST", "/graphql", label=label, json_body=body, headers=headers)


def table(parts: list[Part]) -> str:
    """The one table the suite prints."""
    header = (
        "| part | requests | 5xx | masked errors | leaks | lost writes | bad answers "
        "| p50 ms | p99 ms | seconds |"
    )
    rows = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for p in parts:
        p50 = percentile(p.latencies_ms, 0.50)
        p99 = percentile(p.latencies_ms, 0.99)
        rows.append(
            f"| {p.name} | {p.requests:,} | {p.server_errors} | {p.masked} | {p.leaks} "
            f"| {p.lost_writes} | {p.bad_answers} | {_ms(p50)} | {_ms(p99)} | {p.seconds:.0f} |"
        )
    return "\n".join(rows)


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def findings_report(parts: list[Part]) -> str:
    """Every finding of every part, grouped by part and kind, most frequent first."""
    out: list[str] = []
    for p in parts:
        if not p.findings and not p.notes:
            continue
        out.append(f"### {p.name}\n")
        for note in p.notes:
            out.append(f"- note: {note}")
        if p.notes:
            out.append("")
        order = ["5xx", "masked", "leak", "lost write", "bad answer"]
        for kind in order:
            found = sorted(
                (f for f in p.findings.values() if f.kind == kind), key=lambda f: -f.count
            )
            if not found:
                continue
            out.append(f"#### {kind} ({sum(f.count for f in found)})\n")
            for f in found:
                out.append(f"- **{f.key}** (x{f.count})")
                out.append(f"  - request: `{f.request}`")
                out.append(f"  - response: `{f.response}`")
                if f.cause:
                    out.append(f"  - server log: `{clip(f.cause, 300)}`")
                out.append(f"  - expected: {f.expected}")
            out.append("")
    return "\n".join(out)
