"""What a JSON request body may be: valid UTF-8, finite numbers, nested at most
MAX_BODY_DEPTH levels. Python's own decoder accepts `NaN` and `Infinity` (which are not
JSON, and would be echoed back into answers clients cannot parse), and fails with a
RecursionError, not a parse error, on deeply nested input."""

from __future__ import annotations

import json
from typing import Any

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.rules import MAX_JSON_DEPTH

# Room for the envelope (variables, input, a field) around the deepest storable JSON value.
MAX_BODY_DEPTH = MAX_JSON_DEPTH + 16


def _no_constant(name: str) -> Any:
    raise BadInputError(f"{name} is not a JSON number; send finite numbers", path=["body"])


def read_json(raw: str | bytes) -> Any:
    """The decoded body, or BadInputError (path `body`) saying what is wrong with it."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise BadInputError(
                f"body is not valid UTF-8 (byte {e.start}: {e.reason})", path=["body"]
            ) from e
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError as e:
        raise BadInputError(_too_deep(), path=["body"]) from e
    except json.JSONDecodeError as e:
        raise BadInputError(f"body is not valid JSON: {e}", path=["body"]) from e
    if _depth(value) > MAX_BODY_DEPTH:
        raise BadInputError(_too_deep(), path=["body"])
    return value


def _too_deep() -> str:
    return f"body is nested more than {MAX_BODY_DEPTH} levels deep"


def _depth(value: Any) -> int:
    """How deeply objects and lists nest (without recursion, so any depth is measured)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, level)
        if level > MAX_BODY_DEPTH:
            return level
        stack.extend((child, level + 1) for child in children)
    return deepest
