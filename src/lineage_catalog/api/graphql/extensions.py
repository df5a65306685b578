"""Schema extensions: operation metrics and the per-request Neo4j statement count."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from lineage_catalog.domain.errors import CatalogError
from lineage_catalog.store.graph import StatementCounter, current_counter


class OperationObserver(SchemaExtension):
    """Times each operation, counts its outcome and the Cypher statements it sent.

    The count is returned in the response's `extensions.neo4jStatements`, so a
    client (and the round-trip tests) can see what a request cost the database.
    """

    def on_operation(self) -> Iterator[None]:
        counter = StatementCounter()
        # get_results runs inside the operation, before this generator resumes.
        self._counter = counter
        token = current_counter.set(counter)
        started = time.perf_counter()
        try:
            yield
        finally:
            current_counter.reset(token)
            ctx = self.execution_context
            name = ctx.operation_name or "anonymous"
            metrics = getattr(ctx.context, "metrics", None)
            if metrics is not None:
                errors = ctx.result.errors if ctx.result is not None else None
                metrics.graphql_requests.labels(
                    operation=name, outcome="error" if errors else "ok"
                ).inc()
                metrics.graphql_seconds.labels(operation=name).observe(
                    time.perf_counter() - started
                )

    def get_results(self) -> dict[str, Any]:
        return {"neo4jStatements": self._counter.count}


def should_mask(error: GraphQLError) -> bool:
    """Mask every error but the expected ones (CatalogError) and GraphQL's own."""
    original = error.original_error
    return original is not None and not isinstance(original, CatalogError | GraphQLError)


def code_errors(errors: list[GraphQLError] | None) -> None:
    """Every error carries extensions.code: GraphQL's own refusals get GraphQL's usual
    codes (a syntax error or the token limit GRAPHQL_PARSE_FAILED; an unknown field, the
    depth and alias limits GRAPHQL_VALIDATION_FAILED; a variable of the wrong value,
    such as a time out of range, BAD_USER_INPUT)."""
    for error in errors or []:
        extensions = error.extensions if error.extensions is not None else {}
        if "code" in extensions or error.path is not None:
            continue  # a CatalogError's own code, or an execution error (masked or coded)
        if error.message.startswith("Syntax Error"):
            extensions["code"] = "GRAPHQL_PARSE_FAILED"
        elif error.message.startswith("Variable '$"):
            extensions["code"] = "BAD_USER_INPUT"
        else:
            extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
        error.extensions = extensions


class CodedMaskErrors(MaskErrors):
    """Unexpected errors masked as "Unexpected error.", with the code INTERNAL_SERVER_ERROR."""

    def __init__(self, should_mask_error: Callable[[GraphQLError], bool]) -> None:
        super().__init__(should_mask_error=should_mask_error, error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked
