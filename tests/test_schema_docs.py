"""The schema explains itself: every type, field, argument and enum value has a description
(what GraphiQL's docs show), and the lineage vocabulary has one edge type."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)
from graphql.type.introspection import introspection_types
from graphql.type.scalars import specified_scalar_types

from lineage_catalog.api.graphql.schema import build_schema
from lineage_catalog.settings import Settings


def _schema() -> GraphQLSchema:
    schema: GraphQLSchema = build_schema(Settings())._schema
    return schema


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every element of the schema without a description (blank counts as none), by path:
    `Type`, `Type.field`, `Type.field(argument)`, `Enum.VALUE`. Introspection types and the
    built-in scalars are GraphQL's own, not ours."""
    missing: list[str] = []

    def check(path: str, description: str | None) -> None:
        if not (description or "").strip():
            missing.append(path)

    for name, graphql_type in sorted(schema.type_map.items()):
        if name in introspection_types or name in specified_scalar_types:
            continue
        check(name, graphql_type.description)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{name}.{field_name}({arg_name})", arg.description)
        elif isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                check(f"{name}.{field_name}", input_field.description)
        elif isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                check(f"{name}.{value_name}", value.description)
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    missing = undescribed(_schema())
    assert not missing, f"{len(missing)} schema elements without a description:\n" + "\n".join(
        missing
    )


def test_the_walk_finds_what_it_looks_for() -> None:
    # The check itself: a schema with one undescribed element of each sort names each one.
    from graphql import build_schema as from_sdl

    schema = from_sdl(
        '''"""Root."""
        type Query { """Documented.""" a(x: Int): E  b(input: I): Int }
        enum E { """One.""" ONE TWO }
        input I { c: Int }'''
    )
    assert undescribed(schema) == [
        "E",
        "E.TWO",
        "I",
        "I.c",
        "Query.a(x)",
        "Query.b",
        "Query.b(input)",
    ]


def test_root_lookups_are_described() -> None:
    query = _schema().query_type
    assert query is not None
    for name in (
        "person",
        "team",
        "dataset",
        "feature",
        "job",
        "model",
        "prediction",
        "evaluation",
    ):
        field = query.fields[name]
        assert field.description and all(a.description for a in field.args.values()), name


def test_one_lineage_edge_type() -> None:
    schema = _schema()
    assert "LineageEdgeOut" not in schema.type_map
    trace, graph = schema.type_map["PredictionTrace"], schema.type_map["LineageGraph"]
    assert isinstance(trace, GraphQLObjectType) and isinstance(graph, GraphQLObjectType)
    assert str(trace.fields["edges"].type) == str(graph.fields["edges"].type) == "[LineageEdge!]!"


def test_page_info_is_relay_complete() -> None:
    page_info = _schema().type_map["PageInfo"]
    assert isinstance(page_info, GraphQLObjectType)
    fields = {name: str(f.type) for name, f in page_info.fields.items()}
    assert fields == {
        "hasNextPage": "Boolean!",
        "hasPreviousPage": "Boolean!",
        "startCursor": "String",
        "endCursor": "String",
    }
