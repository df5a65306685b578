"""Relay-style connections: opaque cursors over a stable key order."""

from __future__ import annotations

import base64
import binascii
from typing import Generic, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.settings import Settings

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of results in stable order; pass endCursor as `after`.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int | None


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def decode_cursor(cursor: str | None) -> str:
    """The key a cursor stands for ('' for the first page)."""
    if not cursor:
        return ""
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError) as e:
        raise BadInputError("malformed cursor", path=["after"]) from e


def page_size(first: int | None, settings: Settings) -> int:
    """`first` within [1, max_page_size]; the default page size when not given."""
    size = settings.default_page_size if first is None else first
    if not 1 <= size <= settings.max_page_size:
        raise BadInputError(f"first must be between 1 and {settings.max_page_size}", path=["first"])
    return size


def checked_depth(settings: Settings, depth: int | None) -> int:
    """A traversal depth within [1, LINEAGE_MAX_TRAVERSAL_DEPTH]; the maximum when not given."""
    limit = settings.max_traversal_depth
    chosen = limit if depth is None else depth
    if not 1 <= chosen <= limit:
        raise BadInputError(f"depth must be between 1 and {limit}", path=["depth"])
    return chosen


def connection(
    items: list[tuple[str, T]], *, has_next: bool, total: int | None = None
) -> Connection[T]:
    """A connection from (cursor key, node) pairs."""
    edges = [Edge(cursor=encode_cursor(key), node=node) for key, node in items]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
        total_count=total,
    )


def selects(info: Info, name: str) -> bool:
    """Whether the field being resolved selects `name` directly (through fragments too),
    so that work only some clients want (a total count) is skipped for the others."""
    pending = [s for field in info.selected_fields for s in field.selections]
    while pending:
        selection = pending.pop()
        if isinstance(selection, SelectedField):
            if selection.name == name:
                return True
        else:  # a fragment spread or an inline fragment
            pending += selection.selections
    return False
