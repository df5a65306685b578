"""Schema extensions: operation metrics and the per-request Neo4j statement count."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    ValueNode,
)
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors, SchemaExtension

from lineage_catalog.api.bookmarks import written
from lineage_catalog.domain.errors import CatalogError
from lineage_catalog.logs import add_request_fields
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
            failed = ctx.result.errors if ctx.result is not None else None
            codes = sorted({str((e.extensions or {}).get("code", "ERROR")) for e in failed or ()})
            add_request_fields(operation=name, outcome=",".join(codes) or "ok",
                               statements=counter.count)  # fmt: skip
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
        found: dict[str, Any] = {"neo4jStatements": self._counter.count}
        if (bookmarks := written()) is not None:
            found["bookmarks"] = bookmarks  # read-your-writes (api/bookmarks.py)
        return found


def should_mask(error: GraphQLError) -> bool:
    """Mask every error but the expected ones (CatalogError) and GraphQL's own."""
    original = error.original_error
    return original is not None and not isinstance(original, CatalogError | GraphQLError)


def code_errors(errors: list[GraphQLError] | None, document: DocumentNode | None = None) -> None:
    """Every error carries extensions.code: GraphQL's own refusals get GraphQL's usual
    codes (a syntax error or the token limit GRAPHQL_PARSE_FAILED; an unknown field, the
    depth and alias limits GRAPHQL_VALIDATION_FAILED); a value a scalar refuses, such as
    a time out of range, is BAD_USER_INPUT, written inline (with `field`, the argument
    path, e.g. `input.createdAt`) or as a variable."""
    for error in errors or []:
        extensions = error.extensions if error.extensions is not None else {}
        if "code" in extensions or error.path is not None:
            continue  # a CatalogError's own code, or an execution error (masked or coded)
        if error.message.startswith("Syntax Error"):
            extensions["code"] = "GRAPHQL_PARSE_FAILED"
        elif error.message.startswith("Variable '$"):
            extensions["code"] = "BAD_USER_INPUT"
        elif isinstance(error, StrawberryInputCoercionError) and error.nodes:
            extensions["code"] = "BAD_USER_INPUT"
            where = _argument_path(document, error.nodes[0]) if document else None
            if where:
                extensions["field"] = ".".join(str(p) for p in where)
        else:
            extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
        error.extensions = extensions


def _argument_path(document: DocumentNode, target: Node) -> list[str | int] | None:
    """The path of a literal inside its field's arguments: ['input', 'createdAt']."""

    def within(value: ValueNode, path: list[str | int]) -> list[str | int] | None:
        if value is target:
            return path
        if isinstance(value, ObjectValueNode):
            for f in value.fields:
                if (found := within(f.value, [*path, f.name.value])) is not None:
                    return found
        if isinstance(value, ListValueNode):
            for i, item in enumerate(value.values):
                if (found := within(item, [*path, i])) is not None:
                    return found
        return None

    def selections(nodes: Any) -> list[str | int] | None:
        for node in nodes or ():
            for argument in getattr(node, "arguments", None) or ():
                if (found := within(argument.value, [argument.name.value])) is not None:
                    return found
            selection_set = getattr(node, "selection_set", None)
            if selection_set and (found := selections(selection_set.selections)) is not None:
                return found
        return None

    return selections(
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    )


class CodedMaskErrors(MaskErrors):
    """Unexpected errors masked as "Unexpected error.", with the code INTERNAL_SERVER_ERROR
    and the request id, which the server's ERROR log line carries too."""

    def __init__(self, should_mask_error: Callable[[GraphQLError], bool]) -> None:
        super().__init__(should_mask_error=should_mask_error, error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        # The id under which the error and its stack trace are logged (schema.process_errors).
        request_id = getattr(self.execution_context.context, "request_id", None)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        return masked
