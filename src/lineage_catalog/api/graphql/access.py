"""Access control for every GraphQL operation, checked before anything is resolved.

Each root field needs a role: every query field `reader`; each mutation the role in
MUTATION_ROLES, and a mutation missing from it `admin` (fail closed). Because the check
runs before execution, a refused request learns nothing of the targets it names.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from lineage_catalog.auth.policy import require
from lineage_catalog.domain.auth import Role
from lineage_catalog.domain.model import Rel
from lineage_catalog.domain.rules import GOVERNED_LINKS

MUTATION_ROLES: dict[str, Role] = {
    # Ingest: register and record what pipelines produce.
    **{
        name: Role.WRITER
        for name in (
            "registerPerson", "registerTeam", "registerServiceAccount", "registerJob",
            "registerDataset", "registerDatasetVersion", "registerFeature",
            "registerCodeCommit", "recordRun", "registerModel", "registerModelVersion",
            "registerDeployment", "recordServing", "recordPrediction", "recordEvaluation",
            "requestPromotion", "deployModelVersion", "updateModelCard",
            # Monitoring: monitors, their values and incidents (docs/monitoring.md).
            "registerMonitor", "recordObservation", "recordProfile", "openIncident",
            "transitionIncident",
        )
    },
    # Governance: what changes who may use what, or what is trusted in production.
    **{
        name: Role.APPROVER
        for name in (
            "registerClassification", "transitionStage",
            "approvePromotion", "rejectPromotion", "promoteToChampion", "rollback",
            "setModelKpis",
        )
    },
    # The same roles as the bulk rows that write these links.
    "setOwner": GOVERNED_LINKS[Rel.OWNS],
    "classify": GOVERNED_LINKS[Rel.CLASSIFIED_AS],
    "classifyColumn": GOVERNED_LINKS[Rel.CLASSIFIED_AS],
    # Identity: accounts, roles, clearances and tokens.
    **{
        name: Role.ADMIN
        for name in (
            "createAccount", "setAccess", "disableAccount", "enableAccount", "issueToken",
            "revokeToken",
            # Whose clearance a classification needs decides who reads restricted data.
            "setClassificationRestricted",
        )
    },
}  # fmt: skip
QUERY_ROLES: dict[str, Role] = {"account": Role.ADMIN, "accessLog": Role.ADMIN}


def required_role(operation: OperationType, field: str) -> Role:
    """The role a root field needs; unknown mutations need admin."""
    if operation is OperationType.MUTATION:
        return MUTATION_ROLES.get(field, Role.ADMIN)
    return QUERY_ROLES.get(field, Role.READER)


class AccessControl(SchemaExtension):
    """Refuse the whole operation unless the caller holds the role of each root field."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        assert ctx.graphql_document is not None
        operation = get_operation_ast(ctx.graphql_document, ctx.operation_name)
        if operation is not None:
            fragments = {
                d.name.value: d.selection_set
                for d in ctx.graphql_document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            fields = set(_root_fields(operation.selection_set, fragments, set()))
            # Introspection alone (GraphiQL loading the schema) needs no token.
            if fields - {"__schema", "__type", "__typename"}:
                context = ctx.context
                if context.auth_error is not None:
                    raise context.auth_error
                for name in sorted(fields):
                    if not name.startswith("__"):
                        require(context.principal, required_role(operation.operation, name))
        yield


def _root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, SelectionSetNode], seen: set[str]
) -> Iterator[str]:
    """The root fields selected, each fragment read once however often it is spread (a
    document of fragments spreading others twice would otherwise take exponential time)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                seen.add(name)
                yield from _root_fields(fragments[name], fragments, seen)
