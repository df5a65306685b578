"""Arguments many fields share, each with the description GraphiQL shows for it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

AsOf = Annotated[
    datetime | None,
    strawberry.argument(
        description="Answer as of this time (ISO 8601; UTC when no offset is given): only what "
        "had been recorded, begun or held by then. Null: now."
    ),
]
First = Annotated[
    int | None,
    strawberry.argument(
        description="Page size: 1 to LINEAGE_MAX_PAGE_SIZE (default 500); null: "
        "LINEAGE_DEFAULT_PAGE_SIZE (default 50). Out of range is BAD_USER_INPUT."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="A cursor (pageInfo.endCursor of the page before): start after it. Null: "
        "the first page. A malformed cursor is BAD_USER_INPUT."
    ),
]
Depth = Annotated[
    int | None,
    strawberry.argument(
        description="How many run levels to walk: 1 to LINEAGE_MAX_TRAVERSAL_DEPTH (default "
        "20); null: that maximum. Out of range is BAD_USER_INPUT."
    ),
]
Reason = Annotated[
    str,
    strawberry.argument(
        description="Why the change is made: required, not blank; kept on the audit event."
    ),
]
OptionalReason = Annotated[
    str | None,
    strawberry.argument(description="Why the change is made, kept on the audit event; optional."),
]
ModelVersionKey = Annotated[
    str,
    strawberry.argument(
        description="The model version's key, `<model>@<version>`, e.g. credit-risk@2."
    ),
]
DeploymentKey = Annotated[
    str,
    strawberry.argument(
        description="The deployment's key, `<environment>/<name>`, e.g. prod/credit-risk-api."
    ),
]
NodeId = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="A node's id, `<Kind>:<key>`, e.g. ModelVersion:credit-risk@2."
    ),
]
AccountId = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="The account's id: `Person:<email>` or `ServiceAccount:<key>`."
    ),
]


def key_argument(what: str, example: str) -> object:
    """A `key` argument naming one node of a kind (exact match; unknown answers null)."""
    return strawberry.argument(
        description=f"The {what}'s key, e.g. {example}. Exact match; an unknown key answers null."
    )
