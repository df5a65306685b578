"""The GraphQL HTTP endpoint: Strawberry's router with the catalog's body rules."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from strawberry.fastapi import GraphQLRouter

from lineage_catalog.api.body import read_json
from lineage_catalog.domain.errors import BadInputError


class CatalogRouter(GraphQLRouter[Any, Any]):
    """Refuses a body that is not plain JSON (invalid UTF-8, NaN or Infinity, nested too
    deep) with 400 and the reason, before any GraphQL work (see api/body.py)."""

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = read_json(data)
        except BadInputError as e:
            raise HTTPException(400, str(e)) from e
        if not isinstance(value, dict):
            # `null`, a batch (a list: batching is off) or a bare value is not a request.
            raise HTTPException(400, "body must be a JSON object: {query, variables}")
        return value
