"""Parsing and validation done once per query text, in one schema extension.

Strawberry's own extensions for this (ParserCache, ValidationCache, AddValidationRules,
MaxTokensLimiter) are four, each entered and left on every request, and ValidationCache
keys its cache on the parsed document: a frozen dataclass whose hash walks the whole tree
again on every request (the document's every node, token positions included). Here the
key is the query text, whose hash Python keeps, with the rules: a text parses to the same
document under the same token limit, and the same document under the same schema and
rules validates to the same errors. Every request of a text gets the one document object
the first one parsed (api/graphql/trace.py keys on it).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document


@dataclass
class Cache:
    """A least-recently-used map of at most `maxsize` entries, shared by the requests of
    one schema (one event loop per process: no lock needed)."""

    maxsize: int
    entries: OrderedDict[Any, Any] = field(default_factory=OrderedDict)
    hits: int = 0
    misses: int = 0

    def get(self, key: Any) -> Any:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self.entries.move_to_end(key)
        return found

    def put(self, key: Any, value: Any) -> None:
        self.entries[key] = value
        if len(self.entries) > self.maxsize:
            self.entries.popitem(last=False)


@dataclass
class DocumentCaches:
    """What the schema's requests share: parsed documents and validation errors by text."""

    maxsize: int
    documents: Cache = field(init=False)
    validations: Cache = field(init=False)

    def __post_init__(self) -> None:
        self.documents = Cache(self.maxsize)
        self.validations = Cache(self.maxsize)


class Documents(SchemaExtension):
    """The schema's extra validation rules and token limit, and the cached parse and
    validation of each query text."""

    def __init__(
        self,
        *,
        rules: tuple[type[ASTValidationRule], ...],
        max_tokens: int,
        caches: DocumentCaches,
    ) -> None:
        super().__init__()
        self.rules = rules
        self.max_tokens = max_tokens
        self.caches = caches

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        context.parse_options["max_tokens"] = self.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        if text is not None and context.graphql_document is None:
            documents = self.caches.documents
            document: DocumentNode | None = documents.get(text)
            if document is None:
                # A syntax error or too many tokens raises here, as ParserCache's parse did;
                # nothing is kept for it.
                document = parse(text, **context.parse_options)
                documents.put(text, document)
            context.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        text, document = context.query, context.graphql_document
        if text is not None and document is not None:
            key = (text, context.validation_rules)
            validations = self.caches.validations
            errors: list[GraphQLError] | None = validations.get(key)
            if errors is None:
                errors = validate_document(
                    context.schema._schema, document, context.validation_rules
                )
                validations.put(key, errors)
            context.pre_execution_errors = errors
        yield
