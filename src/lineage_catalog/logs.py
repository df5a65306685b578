"""Logs for operators: one line per HTTP request, client mistakes at INFO without stack
traces, the catalog's own errors at ERROR with the stack trace and the request id; as text
or as one JSON object per line (settings.log_format), at settings.log_level.

The request line (logger `lineage_catalog.access`) carries the request id, method, path,
status and duration, and what the handler added to the request's log record: the
principal, and for GraphQL the operation name, its outcome and the Cypher statements it
sent (docs/security.md, "Logs").
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from lineage_catalog.settings import Settings

ACCESS = logging.getLogger("lineage_catalog.access")
# The fields a request's handlers add to its request line (RequestLogMiddleware owns it).
request_fields: ContextVar[dict[str, Any] | None] = ContextVar("request_fields", default=None)

# Attributes every LogRecord has; anything else was passed as `extra` and is a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def add_request_fields(**fields: Any) -> None:
    """Add fields to the current request's log line (nothing outside a request)."""
    found = request_fields.get()
    if found is not None:
        found.update({k: v for k, v in fields.items() if v is not None})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ms), level, logger, message, the record's extra
    fields, and the exception's type and stack trace when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time level logger message key=value ...`, the stack trace on the lines after."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD)
        if not extra:
            return text
        head, sep, tail = text.partition("\n")
        return f"{head} {extra}{sep}{tail}"


def logging_config(settings: Settings) -> dict[str, Any]:
    """A logging.config.dictConfig for the server and the CLI; uvicorn applies it in every
    worker process (`log_config`). Uvicorn's own access log is replaced by ours."""
    formatter = JsonFormatter if settings.log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"catalog": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "catalog",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": settings.log_level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            # The driver logs every retried transaction at INFO; its warnings matter.
            "neo4j": {"level": "WARNING"},
        },
    }


def log_request(
    fields: dict[str, Any], *, method: str, path: str, status: int, started: float
) -> None:
    """The request line: INFO below 500, ERROR at 500 and above."""
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    line = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
    line.update(fields)
    ACCESS.log(
        logging.ERROR if status >= 500 else logging.INFO,
        "%s %s %s %.1f ms",
        method,
        path,
        status,
        duration_ms,
        extra=line,
    )
