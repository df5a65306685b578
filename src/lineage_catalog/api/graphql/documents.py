"""Parsing and validation done once per query text, in one schema extension.

Strawberry's own extensions for this (ParserCache, ValidationCache, AddValidationRules,
MaxTokensLimiter) are four, each entered and left on every request, and ValidationCache
keys its cache on the parsed document: a frozen dataclass whose hash walks the whole tree
again on every request (the document's every node, token positions included). Here the
key is the query text, whose hash Python keeps: a text parses to the same document under
the schema's token limit, and validates to the same errors under the same schema and
rules. Every request of a text gets the one document object that parsing it first made,
while it stays cached (api/graphql/trace.py keys on it).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import _lru_cache_wrapper, lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document


class DocumentCaches:
    """What the requests of one schema share: the document of each query text and its
    validation errors under the rules (least recently used out beyond `maxsize`)."""

    def __init__(self, *, max_tokens: int, maxsize: int) -> None:
        # A syntax error or too many tokens raises, as Strawberry's parse does; lru_cache
        # keeps nothing for it.
        self.parsed: _lru_cache_wrapper[DocumentNode] = lru_cache(maxsize)(
            lambda text: parse(text, max_tokens=max_tokens)
        )
        self.validated: _lru_cache_wrapper[list[GraphQLError]] = lru_cache(maxsize)(self._validate)

    def _validate(
        self, schema: GraphQLSchema, text: str, rules: tuple[type[ASTValidationRule], ...]
    ) -> list[GraphQLError]:
        return validate_document(schema, self.parsed(text), rules)


class Documents(SchemaExtension):
    """The schema's extra validation rules, and the cached parse and validation of each
    query text (with the schema's token limit, `DocumentCaches`)."""

    def __init__(
        self, *, rules: tuple[type[ASTValidationRule], ...], caches: DocumentCaches
    ) -> None:
        super().__init__()
        self.rules = rules
        self.caches = caches

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            context.graphql_document = self.caches.parsed(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.pre_execution_errors = self.caches.validated(
                context.schema._schema, context.query, context.validation_rules
            )
        yield
