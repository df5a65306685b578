"""Part 1: schemathesis against the GraphQL schema and the OpenAPI document.

Every root field of Query and Mutation (GraphQL) and every operation of /openapi.json (REST,
positive and negative cases) gets an equal share of the cases and of the time bound. Cases
are sent as the admin (every role reaches every resolver); each answer is counted by
status, and 5xx, masked errors and invalid JSON are recorded with what the server logged.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import time
from typing import Any

import attack_common as common
import hypothesis
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

EXTREME_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2026-12-01T03:49:33",
    "2026-06-01T12:00:00+02:00",
    "2026-02-30T00:00:00Z",
    "2026-12-31T23:59:60Z",
]


def _register_scalars() -> None:
    times = st.one_of(
        st.sampled_from(EXTREME_TIMES),
        st.datetimes().map(lambda d: d.isoformat()),
        st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        st.text(max_size=30),
    )
    schemathesis.graphql.scalar("DateTime", times.map(nodes.String))
    leaves = st.one_of(
        st.none().map(lambda _: nodes.Null),
        st.booleans().map(nodes.Boolean),
        st.integers(min_value=-(2**70), max_value=2**70).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.text(max_size=40).map(nodes.String),
    )
    names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)

    def _object(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        import graphql

        fields = st.dictionaries(names, children, max_size=4).map(
            lambda d: [
                graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
                for k, v in d.items()
            ]
        )
        return fields.map(nodes.Object)

    json_values = st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(nodes.List), _object(children)
        ),
        max_leaves=12,
    )
    schemathesis.graphql.scalar("JSON", json_values)


class _TimeUp(Exception):
    pass


def _fuzz_operation(
    *,
    strategy: Any,
    cases: int,
    seconds: float,
    seed: int | None,
    call: Any,
) -> int:
    """Up to `cases` cases of one operation within `seconds`; how many were sent."""
    deadline = time.monotonic() + seconds
    sent = 0

    @hypothesis.settings(
        max_examples=cases,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        print_blob=False,
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.given(case=strategy)
    def test(case: Any) -> None:
        nonlocal sent
        if time.monotonic() > deadline or sent >= cases:
            raise _TimeUp
        sent += 1
        call(case)

    if seed is not None:
        test = hypothesis.seed(seed)(test)
    with contextlib.suppress(_TimeUp, hypothesis.errors.Unsatisfiable):
        test()
    return sent


def _graphql_call(
    part: common.Part, catalog: common.Catalog, session: requests.Session, label: str
) -> Any:
    headers = catalog.headers("admin")

    def call(case: Any) -> None:
        offset = catalog.log.offset()
        started = time.perf_counter()
        try:
            response = case.call(session=session, headers=headers, timeout=60)
        except Exception as e:
            part.count_request(0, None)
            part.fail(
                "bad answer",
                f"{label}: no answer ({type(e).__name__})",
                request=getattr(case, "body", case),
                response=str(e)[:300],
                expected="an HTTP answer",
            )
            return
        elapsed = (time.perf_counter() - started) * 1000
        _judge(part, catalog, offset, case, response, elapsed, label)

    return call


def _judge(
    part: common.Part,
    catalog: common.Catalog,
    offset: int,
    case: Any,
    response: Any,
    elapsed_ms: float,
    label: str,
) -> None:
    status = int(response.status_code)
    part.count_request(status, elapsed_ms)
    content: bytes = response.content or b""
    body: Any = None
    invalid = ""
    if content[:1] in (b"{", b"["):
        try:
            body = common.strict_json(content)
        except ValueError as e:
            invalid = str(e)
            try:
                body = json.loads(content)
            except ValueError:
                body = None
    part.count_outcome(body)
    request = _case_text(case)
    text = content[:400].decode("utf-8", errors="backslashreplace")
    if status >= 500:
        cause = catalog.log.cause(offset)
        part.fail(
            "5xx",
            f"{label}: HTTP {status} {common.normalise_cause(cause)}",
            request=request,
            response=f"{status} {text}",
            expected="a 4xx with the reason (or success)",
            cause=cause,
        )
    masked = [e for e in common.graphql_errors(body) if common.is_masked(e)]
    if masked:
        cause = catalog.log.cause(offset)
        part.fail(
            "masked",
            f"{label}: {common.normalise_cause(cause)}",
            request=request,
            response=text,
            expected="BAD_USER_INPUT (or another coded error) naming the input, or success",
            cause=cause,
            weight=len(masked),
        )
    if invalid:
        part.fail(
            "bad answer",
            f"{label}: response is not JSON ({invalid})",
            request=request,
            response=text,
            expected="valid JSON (no NaN/Infinity)",
        )


def _case_text(case: Any) -> str:
    body = getattr(case, "body", None)
    if isinstance(body, dict) and "query" in body:
        return str(body["query"])
    method = getattr(case, "method", "")
    path = getattr(case, "formatted_path", getattr(case, "path", ""))
    query = getattr(case, "query", None)
    return f"{method} {path} query={query} body={common.clip(body, 300)}"


def _rest_call(
    part: common.Part, catalog: common.Catalog, session: requests.Session, label: str
) -> Any:
    headers = catalog.headers("admin")

    def call(case: Any) -> None:
        offset = catalog.log.offset()
        started = time.perf_counter()
        try:
            response = case.call(base_url=catalog.url, session=session, headers=headers, timeout=60)
        except Exception as e:
            part.count_request(0, None)
            part.fail(
                "bad answer",
                f"{label}: no answer ({type(e).__name__})",
                request=_case_text(case),
                response=str(e)[:300],
                expected="an HTTP answer",
            )
            return
        elapsed = (time.perf_counter() - started) * 1000
        _judge(part, catalog, offset, case, response, elapsed, label)

    return call


def _run_target(
    part: common.Part,
    operations: list[tuple[str, Any]],
    *,
    cases: int,
    seconds: float,
    seed: int | None,
    make_call: Any,
) -> None:
    """Rounds over the operations, each an equal share of the cases and time left, until
    `cases` are sent or the time is up; an operation whose cases run out (hypothesis found
    no new ones) drops out and leaves its share to the others."""
    started = time.monotonic()
    active = list(operations)
    total = 0
    rounds = 0
    while active and total < cases:
        rounds += 1
        remaining_time = seconds - (time.monotonic() - started)
        if remaining_time <= 1:
            part.note(f"time bound ({seconds:.0f}s) reached after {total:,} cases")
            break
        per_op = max(1, math.ceil((cases - total) / len(active)))
        still = []
        for index, (label, strategy) in enumerate(active):
            left = seconds - (time.monotonic() - started)
            if left <= 0:
                break
            sent = _fuzz_operation(
                strategy=strategy,
                cases=per_op,
                seconds=left / (len(active) - index),
                seed=None if seed is None else seed + rounds,
                call=make_call(label),
            )
            total += sent
            if sent >= per_op:
                still.append((label, strategy))
        active = still
    part.note(f"{total:,} cases in {rounds} rounds over {len(operations)} operations")
    part.seconds = time.monotonic() - started


def run(catalog: common.Catalog, args: argparse.Namespace) -> list[common.Part]:
    _register_scalars()
    results = []
    session = requests.Session()

    graphql_part = common.Part("1a. schemathesis GraphQL")
    schema = schemathesis.graphql.from_url(f"{catalog.url}/graphql", headers=catalog.headers())
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append((operation.label, operation.as_strategy()))
    _run_target(
        graphql_part,
        operations,
        cases=args.cases,
        seconds=args.max_seconds,
        seed=args.seed,
        make_call=lambda label: _graphql_call(graphql_part, catalog, session, label),
    )
    graphql_part.note(f"{len(operations)} GraphQL root fields fuzzed")
    graphql_part.outcome_note()
    results.append(graphql_part)

    rest_part = common.Part("1b. schemathesis OpenAPI")
    api = schemathesis.openapi.from_url(f"{catalog.url}/openapi.json")
    rest_operations = []
    rest_ops_raw: list[Any] = []
    for result in api.get_all_operations():
        try:
            operation = result.ok()
        except Exception as e:
            rest_part.note(f"an operation schemathesis could not load: {e}")
            continue
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                strategy = operation.as_strategy(generation_mode=mode)
            except Exception as e:
                rest_part.note(f"{operation.label} {mode.value}: no strategy ({e})")
                continue
            rest_operations.append((f"{operation.label} [{mode.value}]", strategy))
            rest_ops_raw.append(operation)
    _run_target(
        rest_part,
        rest_operations,
        cases=args.cases,
        seconds=args.max_seconds,
        seed=args.seed,
        make_call=lambda label: _rest_call(rest_part, catalog, session, label),
    )
    undocumented = [
        operation.label
        for operation in rest_ops_raw
        if operation.method.upper() == "POST" and not list(operation.body)
    ]
    if undocumented:
        rest_part.note(
            "POST operations whose request body /openapi.json does not describe (fuzzed without "
            "a body): " + ", ".join(sorted(set(undocumented)))
        )
    results.append(rest_part)
    session.close()
    return results
