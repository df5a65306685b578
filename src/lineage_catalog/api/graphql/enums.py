"""GraphQL enums of the domain's enums, each value described for GraphiQL's docs."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition


def described_enum(
    cls: type[Enum], *, name: str, description: str, values: Mapping[Any, str]
) -> Any:
    """`strawberry.enum(cls)` with a description on the enum and on each of its values.

    The domain's enums import no framework, so `strawberry.enum_value` cannot sit in them;
    the descriptions are set on the definition strawberry builds. A value left out (say,
    one added to the domain later) fails at import, not silently in the docs."""
    if set(values) != set(cls):
        missing = sorted(str(m.name) for m in set(cls) - set(values))
        raise ValueError(f"describe every value of {cls.__name__}: missing {missing}")
    gql = strawberry.enum(cls, name=name, description=description)
    definition = cast(StrawberryEnumDefinition, vars(gql)["__strawberry_definition__"])
    for value in definition.values:
        value.description = values[cls(value.value)]
    return gql
