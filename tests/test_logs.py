"""Logs for operators (issue 18, part 3): one line per request with its request id,
operation, principal, outcome, duration and statement count; JSON or text; the config
uvicorn applies in every worker."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lineage_catalog.logs import JsonFormatter, TextFormatter
from tests.graphql_client import gql


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the catalog's loggers write, through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("lineage_catalog")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(previous)


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _request_line(stream: io.StringIO, request_id: str) -> dict[str, Any]:
    found = [
        r
        for r in _records(stream)
        if r["logger"] == "lineage_catalog.access" and r.get("request_id") == request_id
    ]
    assert len(found) == 1, _records(stream)
    return found[0]


def test_each_graphql_request_has_one_line_with_what_it_did(
    client: TestClient, lines: io.StringIO
) -> None:
    response = client.post(
        "/graphql",
        json={"query": "query Stats { catalogStats { datasets } }", "operationName": "Stats"},
        headers={"X-Request-ID": "req-logs-1"},
    )
    assert response.status_code == 200
    line = _request_line(lines, "req-logs-1")
    assert line["level"] == "INFO"
    assert line["method"] == "POST" and line["path"] == "/graphql" and line["status"] == 200
    assert line["operation"] == "Stats" and line["outcome"] == "ok"
    assert line["statements"] >= 1
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["principal"].startswith(("Person:", "ServiceAccount:")), line


def test_a_client_mistake_is_one_info_line_with_its_code(
    client: TestClient, lines: io.StringIO
) -> None:
    client.post(
        "/graphql", json={"query": "{ catalogStatz }"}, headers={"X-Request-ID": "req-logs-2"}
    )
    line = _request_line(lines, "req-logs-2")
    assert line["level"] == "INFO"
    assert line["outcome"] == "GRAPHQL_VALIDATION_FAILED"
    assert not [r for r in _records(lines) if r["level"] == "ERROR" or "exception" in r]


def test_rest_requests_have_their_line_too(client: TestClient, lines: io.StringIO) -> None:
    gql(client, "{ catalogStats { datasets } }")
    response = client.get("/api/v1/reports/compliance/none@1", headers={"X-Request-ID": "r-3"})
    assert response.status_code == 404
    line = _request_line(lines, "r-3")
    assert line["status"] == 404 and line["path"] == "/api/v1/reports/compliance/none@1"
    assert "principal" in line
    unauthenticated = client.get("/api/v1/reports/compliance/x@1",
                                 headers={"Authorization": "", "X-Request-ID": "r-4"})  # fmt: skip
    assert unauthenticated.status_code == 401
    assert "principal" not in _request_line(lines, "r-4")


def test_text_lines_carry_the_same_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "lineage_catalog.access", "levelname": "INFO", "levelno": logging.INFO,
         "msg": "POST /graphql 200", "request_id": "abc", "statements": 3}
    )  # fmt: skip
    text = TextFormatter().format(record)
    assert text.endswith(
        "INFO lineage_catalog.access POST /graphql 200 request_id=abc statements=3"
    )


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_config_uvicorn_applies_logs_as_the_settings_say(log_format: str) -> None:
    script = (
        "import logging, logging.config\n"
        "from lineage_catalog.logs import logging_config\n"
        "from lineage_catalog.settings import Settings\n"
        f"logging.config.dictConfig(logging_config(Settings(log_format={log_format!r})))\n"
        "logging.getLogger('lineage_catalog.test').debug('hidden')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
        "    log = logging.getLogger('lineage_catalog.test')\n"
        "    log.exception('boom', extra={'request_id': 'x'})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert "hidden" not in done.stderr
    if log_format == "json":
        (line,) = [json.loads(x) for x in done.stderr.splitlines()]
        assert line["level"] == "ERROR" and line["message"] == "boom"
        assert line["request_id"] == "x" and "ZeroDivisionError" in line["exception"]
    else:
        first = done.stderr.splitlines()[0]
        assert first.endswith("ERROR lineage_catalog.test boom request_id=x")
        assert "ZeroDivisionError" in done.stderr
