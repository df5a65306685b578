"""Validation limits on a document's shape: how deep its operations nest and how many
aliases they use, fragments included.

Strawberry's QueryDepthLimiter and MaxAliasesLimiter expand every fragment spread where it
occurs, so a document of forty fragments that each spread the next one twice took 2**40
steps to validate: a few hundred bytes pinned a worker. Here each fragment is measured once
and its figures reused wherever it is spread, so validation takes time linear in the
document's size. The figures are the same as those rules' (a field with a selection set is
one level, introspection fields do not count; every alias counts once per time it is
reached), and the messages say which limit was passed.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)
from graphql.language.visitor import SKIP, VisitorAction


class _Measure:
    """Depth and alias count of selection sets, each fragment measured once."""

    def __init__(self, document: DocumentNode) -> None:
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._memo: dict[str, tuple[int, int]] = {}

    def of(self, selection_set: SelectionSetNode) -> tuple[int, int]:
        """(depth, aliases) of a selection set."""
        depth = aliases = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    aliases += 1
                if selection.selection_set is None or selection.name.value.startswith("__"):
                    continue
                inner_depth, inner_aliases = self.of(selection.selection_set)
                depth = max(depth, 1 + inner_depth)
                aliases += inner_aliases
            elif isinstance(selection, InlineFragmentNode):
                inner_depth, inner_aliases = self.of(selection.selection_set)
                depth = max(depth, inner_depth)
                aliases += inner_aliases
            elif isinstance(selection, FragmentSpreadNode):
                inner_depth, inner_aliases = self._fragment(selection.name.value)
                depth = max(depth, inner_depth)
                aliases += inner_aliases
        return depth, aliases

    def _fragment(self, name: str) -> tuple[int, int]:
        if name not in self._memo:
            self._memo[name] = (0, 0)  # a cycle (refused by NoFragmentCycles) adds nothing
            fragment = self._fragments.get(name)
            if fragment is not None:
                self._memo[name] = self.of(fragment.selection_set)
        return self._memo[name]


def shape_rule(max_depth: int, max_aliases: int) -> type[ASTValidationRule]:
    """A validation rule refusing operations deeper than max_depth or with more than
    max_aliases aliases in all."""

    class DocumentShape(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._measure = _Measure(context.document)
            self._aliases = 0

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            depth, aliases = self._measure.of(node.selection_set)
            name = f"operation '{node.name.value}'" if node.name else "the operation"
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"{name} nests {depth} levels deep: the maximum depth is {max_depth}",
                        node,
                    )
                )
            self._aliases += aliases
            return SKIP

        def leave_document(self, *_args: Any) -> None:
            if self._aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"{self._aliases} aliases found, more than the {max_aliases} allowed"
                    )
                )

    return DocumentShape
