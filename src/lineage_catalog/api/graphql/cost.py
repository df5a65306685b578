"""What a GraphQL request may cost, and the request's time budget.

The cost of an operation (docs/security.md, "Cost") estimates the work it asks for before
any of it runs: every field counts once for each item of the lists around it. A field with
a `first` argument stands for `first` items (the default page size when it is not given),
and the lists directly inside it (a connection's `nodes`, `edges`) for no more; a
traversal (a `depth` argument, no `first`) for TRAVERSAL_ITEMS_PER_LEVEL items per level
of its depth, its lists for no more; any other list for UNPAGED_LIST_ITEMS items. A field
that knows the size of its answer says so (metadata ANSWER_ITEMS: `explore`, `first` per
node and level, within its node cap). An item is
of one type: of the parts of a selection for different object types (`... on Dataset`,
`... on Run`), the dearest counts. Introspection fields cost nothing (no database work).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    Undefined,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_list_type,
)
from strawberry.extensions import SchemaExtension

from lineage_catalog.settings import Settings
from lineage_catalog.store.graph import deadline

UNPAGED_LIST_ITEMS = 10
TRAVERSAL_ITEMS_PER_LEVEL = 100
# strawberry.field(metadata={ANSWER_ITEMS: f}): the field knows how many items its answer
# holds at most, f(first=..., depth=...) from its arguments (as given, else their defaults).
ANSWER_ITEMS = "lineage_catalog.answer_items"


class OperationCost:
    """The cost of one operation of a document, with the given variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        settings: Settings,
    ) -> None:
        self._schema = schema
        self._variables = variables or {}
        self._settings = settings
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        # A fragment's cost per item, by name: a document that spreads fragments inside
        # fragments is measured in time linear in its size, not in what it expands to.
        self._fragment_cost: dict[str, int] = {}

    def of(self, document: DocumentNode, operation_name: str | None) -> int:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return 0
        root = self._schema.get_root_type(operation.operation)
        return self._selections(operation.selection_set, root, paged=False) if root else 0

    def _selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, *, paged: bool
    ) -> int:
        """The cost of a selection set for one item of `parent`: what every item selects,
        and the dearest of the parts that only items of one object type select."""
        common = 0
        by_type: dict[str, int] = {}
        fields: dict[str, GraphQLField] = getattr(parent, "fields", {})
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                common += self._field(selection, fields.get(selection.name.value), paged=paged)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                within = self._schema.get_type(condition.name.value) if condition else parent
                cost = self._selections(selection.selection_set, within or parent, paged=paged)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                within = (
                    self._schema.get_type(fragment.type_condition.name.value) if fragment else None
                )
                cost = self._spread(selection.name.value, paged=paged)
            else:
                continue
            if isinstance(within, GraphQLObjectType) and within is not parent:
                by_type[within.name] = by_type.get(within.name, 0) + cost
            else:
                common += cost
        return common + max(by_type.values(), default=0)

    def _field(self, node: FieldNode, field: GraphQLField | None, *, paged: bool) -> int:
        if field is None or node.name.value.startswith("__"):
            return 0
        if node.selection_set is None:
            return 1
        factor, pages = self._factor(field, node, paged=paged)
        child = get_named_type(field.type)
        return 1 + factor * self._selections(node.selection_set, child, paged=pages)

    def _fragment_type(self, name: str) -> GraphQLNamedType | None:
        fragment = self._fragments.get(name)
        return self._schema.get_type(fragment.type_condition.name.value) if fragment else None

    def _spread(self, name: str, *, paged: bool) -> int:
        key = f"{name}/{paged}"
        if key not in self._fragment_cost:
            self._fragment_cost[key] = 0  # a cycle (refused by validation) costs nothing more
            within = self._fragment_type(name)
            if within is not None:
                self._fragment_cost[key] = self._selections(
                    self._fragments[name].selection_set, within, paged=paged
                )
        return self._fragment_cost[key]

    def _factor(self, field: GraphQLField, node: FieldNode, *, paged: bool) -> tuple[int, bool]:
        """How many items the field's selection stands for, and whether it is a page (the
        lists right inside it then stand for no more)."""
        given = {a.name.value: a.value for a in node.arguments or ()}
        first = self._int(given.get("first"), field, "first", self._settings.default_page_size)
        depth = self._int(given.get("depth"), field, "depth", self._settings.max_traversal_depth)
        definition = field.extensions.get("strawberry-definition")
        estimate = getattr(definition, "metadata", {}).get(ANSWER_ITEMS)
        if estimate is not None:
            return estimate(first=first, depth=depth), True
        if "first" in field.args:
            return first, True
        if "depth" in field.args:
            return depth * TRAVERSAL_ITEMS_PER_LEVEL, True
        if is_list_type(get_nullable_type(field.type)) and not paged:
            return UNPAGED_LIST_ITEMS, False
        return 1, False

    def _int(self, value: ValueNode | None, field: GraphQLField, arg: str, fallback: int) -> int:
        if isinstance(value, VariableNode):
            found = self._variables.get(value.name.value)
        elif isinstance(value, IntValueNode):
            found = int(value.value)
        elif arg in field.args:
            default = field.args[arg].default_value
            found = None if default is Undefined else default
        else:
            found = None
        return found if isinstance(found, int) and found > 0 else fallback


class RequestLimits(SchemaExtension):
    """Refuses an operation that costs more than settings.max_query_cost before it runs
    (code QUERY_TOO_COSTLY, with its cost and the limit), reports the cost of every other in
    `extensions.cost`, and gives it settings.request_timeout_s in all (store.graph.deadline:
    the time left is every transaction's Neo4j timeout)."""

    def on_operation(self) -> Iterator[None]:
        settings: Settings = self.execution_context.context.settings
        with deadline(settings.request_timeout_s):
            yield

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        settings: Settings = ctx.context.settings
        document = ctx.graphql_document
        self._cost = 0
        if document is not None and not ctx.result:
            self._cost = OperationCost(
                self.execution_context.schema._schema, document, ctx.variables, settings
            ).of(document, ctx.operation_name)
            if self._cost > settings.max_query_cost:
                ctx.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"this request would cost {self._cost}, more than the "
                            f"{settings.max_query_cost} one request may: ask for fewer "
                            "items (first), levels (depth) or aliases",
                            extensions={
                                "code": "QUERY_TOO_COSTLY",
                                "cost": self._cost,
                                "maxCost": settings.max_query_cost,
                            },
                        )
                    ],
                )
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": getattr(self, "_cost", 0)}
