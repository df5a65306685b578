"""Schema extensions: operation metrics and the per-request Neo4j statement count."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

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
    """Every error carries extensions.code: GraphQL's own refusals (a syntax error, the token
    limit, an unknown field, the depth and alias limits) get GraphQL's usual codes."""
    for error in errors or []:
        extensions = error.extensions if error.extensions is not None else {}
        if "code" in extensions or error.original_error is not None:
            continue
        syntax = error.message.startswith("Syntax Error")
        extensions["code"] = "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"
        error.extensions = extensions
