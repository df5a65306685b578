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


@strawberry.type(
    description="Where a page sits in its connection (Relay). Paging is forward only: ask "
    "for the next page with `first` and `after: endCursor`."
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow this page: pass endCursor as `after`."
    )
    has_previous_page: bool = strawberry.field(
        description="True when items come before this page, i.e. it was asked for with "
        "`after` (the item that cursor names, at least, precedes it); false on a first page."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item, to pass as `after` for the next "
        "page; null when the page is empty."
    )


@strawberry.type(description="One item of a connection with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="An opaque position: pass it as `after` to get the items that follow."
    )
    node: T = strawberry.field(description="The item.")

    @classmethod
    def of(cls, key: str, node: T) -> Edge[T]:
        """The edge of `node` at `key`, its cursor encoded when first read: a 10k-node page
        whose query selects no cursor (or only pageInfo's) encodes none, or two."""
        edge = object.__new__(cls)
        edge.__dict__.update(node=node, _key=key)
        return edge

    def __getattr__(self, name: str) -> str:
        # Called only for what the instance lacks: the cursor of an edge made by `of`.
        state = self.__dict__
        if name != "cursor" or "_key" not in state:
            raise AttributeError(name)
        cursor: str = encode_cursor(state["_key"])
        state["cursor"] = cursor
        return cursor


@strawberry.type(
    description="A page of results in stable order (Relay connection); pass "
    "pageInfo.endCursor as `after` for the next page."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="The page's items in order, each with its cursor; at most `first`."
    )
    page_info: PageInfo = strawberry.field(description="Whether pages come before or after.")
    total_count: int | None = strawberry.field(
        description="How many items match the filters in all pages (not only this one, and "
        "regardless of `after`). Counted only when selected: one extra statement, sent "
        "alongside the page's."
    )


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
    items: list[tuple[str, T]], *, has_next: bool, after: str, total: int | None = None
) -> Connection[T]:
    """A connection from (cursor key, node) pairs of the page that follows the key `after`
    ('' for the first page)."""
    of = Edge.of
    edges = [of(key, node) for key, node in items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            # A cursor is the server's own and names an item of the connection: a page asked
            # for after one has at least that item before it.
            has_previous_page=bool(after),
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
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
