"""Scalars that carry the shared write rules to the schema's edge."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import StringValueNode, ValueNode
from strawberry.exceptions import StrawberryInputCoercionError

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.rules import utc


def _parse_datetime(value: object) -> datetime:
    # A coercion error (not a bare ValueError) is the client's mistake and is shown, not
    # masked as unexpected.
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(
            f"Value cannot represent a DateTime: {value!r}. Expected ISO 8601 text."
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise StrawberryInputCoercionError(
            f"Value cannot represent a DateTime: {value!r}. {e}"
        ) from None
    try:
        return utc(parsed, path=[])
    except BadInputError as e:
        # Outside what Neo4j's driver can carry (years 1 to 9999 in UTC): refused here, at
        # the edge, for reads and writes alike, before any statement is sent.
        raise StrawberryInputCoercionError(f"Value cannot represent a DateTime: {e}") from None


def _parse_literal(node: ValueNode, _variables: object = None) -> datetime:
    # The literal's node travels with the error, so it can name the argument it came in.
    try:
        if not isinstance(node, StringValueNode):
            raise StrawberryInputCoercionError("Value cannot represent a DateTime: not text.")
        return _parse_datetime(node.value)
    except StrawberryInputCoercionError as e:
        raise StrawberryInputCoercionError(e.message, nodes=[node]) from None


# Every DateTime argument and input field arrives in UTC with a fixed offset (a time
# without an offset is taken as UTC), so resolvers never compare naive with aware times.
UtcDateTime = strawberry.scalar(
    name="DateTime",
    description="A date and time in ISO 8601. Without an offset it is taken as UTC; the "
    "catalog stores and compares every time in UTC.",
    serialize=datetime.isoformat,
    parse_value=_parse_datetime,
    parse_literal=_parse_literal,
)
