"""The fast path for plain data fields (api/graphql/execution.py) answers exactly what
graphql-core's standard execution answers: the same data, the same errors with the same
paths, in the same order, for the catalog's own schema on a real graph and for a small
schema built to make every kind of plain field fail.

Each comparison runs the same request twice through the same app: once with the catalog's
executor and once with Strawberry's standard one (the schema's `execution_context_class`
swapped for the second request)."""

from __future__ import annotations

import asyncio
import enum
import gc
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NewType, cast

import pytest
import strawberry
from fastapi.testclient import TestClient
from graphql import GraphQLObjectType
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from neo4j import Driver
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from lineage_catalog.api.gc_tuning import THRESHOLDS
from lineage_catalog.api.graphql.execution import (
    CatalogExecutor,
    _Pending,
    _row,
    _row_answer,
    plain_field,
)
from lineage_catalog.api.graphql.router import encode_response
from lineage_catalog.api.graphql.scalars import UtcDateTime
from lineage_catalog.api.graphql.types import _STORED, _TYPES, ALL_NODE_TYPES, to_type
from lineage_catalog.settings import Settings
from lineage_catalog.store import nodes
from lineage_catalog.store.graph import Graph, open_driver
from tests.governance_helpers import account_token, post_as
from tests.graphql_client import gql

SEED = [
    'mutation { registerClassification(input: {key: "PII", restricted: true}) { key } }',
    'mutation { registerDataset(input: {key: "fx-ds", name: "fx", tags: ["a", "b"]}) { key } }',
    'mutation { registerDataset(input: {key: "fx-bare"}) { key } }',
    """mutation { registerDatasetVersion(input: {dataset: "fx-ds", version: "1", rowCount: 7,
        schema: [{name: "ssn", type: "string"}], sample: [{ssn: "000"}],
        createdAt: "2026-03-01T12:30:15.123456Z"}) { key } }""",
    """mutation { registerDatasetVersion(input: {dataset: "fx-ds", version: "2"}) { key } }""",
    'mutation { classify(target: "DatasetVersion:fx-ds@1", classifications: ["PII"], '
    'reason: "r") { id } }',
    'mutation { registerJob(input: {key: "fx-job", name: "the job"}) { key } }',
    """mutation { recordRun(input: {runId: "fx-run-1", job: "fx-job", runKind: TRAINING,
        status: COMPLETED, startedAt: "2026-03-01T10:00:00Z", endedAt: "2026-03-01T11:00:00Z",
        parameters: {lr: 0.1, big: 4611686018427387904, nested: {k: [1, 2]}},
        environment: {python: "3.11"},
        used: ["DatasetVersion:fx-ds@1"]}) { key } }""",
    """mutation { recordRun(input: {runId: "fx-run-2", job: "fx-job", runKind: TRANSFORMATION,
        startedAt: "2026-03-02T10:00:00Z"}) { key } }""",
    'mutation { registerModel(input: {key: "fx-m", tags: ["t"]}) { key } }',
    """mutation { registerModelVersion(input: {model: "fx-m", version: "1",
        metrics: {auc: 0.81}}) { key } }""",
]

# Wide pages as a client writes them: aliases, the same field twice, named and inline
# fragments, __typename at every level, fields that are null, restricted fields (resolvers
# between plain fields), nested resolvers, @include/@skip, and totalCount.
QUERIES = {
    "runs": """
      query Runs($yes: Boolean!) {
        nodes(kind: RUN, first: 50) {
          __typename totalCount
          pageInfo { hasNextPage endCursor }
          edges { cursor node {
            __typename id ident: id key kind recordedAt
            ... on Run { runKind status startedAt endedAt parameters environment parentRunId
                         error { message } job { key name } when: startedAt
                         skipped: status @skip(if: $yes) kept: status @include(if: $yes) }
            ...RunFields
          } }
        }
      }
      fragment RunFields on Run { status key producer nominalStartTime }""",
    "versions": """
      {
        nodes(kind: DATASET_VERSION, first: 50) { edges { node {
          id key
          ... on DatasetVersion { version rowCount createdAt contentHash location
            schema { name type } sample dataset { key tags name } owners { role }
            columns { name } }
        } } }
      }""",
    "mixed": """
      {
        datasets: nodes(kind: DATASET, first: 50) { edges { node {
          ... on Dataset { name tags platform t: __typename } } } }
        models: nodes(kind: MODEL, first: 50) { edges { node {
          ... on Model { key tags versions { key version stage metrics __typename } } } } }
        search(text: "fx") { __typename }
      }""",
}


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    for mutation in SEED:
        gql(client, mutation)
    return client


@pytest.fixture
def schema(client: TestClient) -> Iterator[strawberry.Schema]:
    found: strawberry.Schema = client.app.state.schema  # type: ignore[attr-defined]
    assert found.execution_context_class is CatalogExecutor
    yield found
    found.execution_context_class = CatalogExecutor


def _both(schema: strawberry.Schema, ask: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer with the catalog's executor, then with Strawberry's standard one."""
    fast = ask()
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        standard = ask()
    finally:
        schema.execution_context_class = CatalogExecutor
    for body in (fast, standard):
        # Not part of the answer: the request's id, and the database's position after it
        # (the bookmarks move when anything commits between the two requests).
        (body.get("extensions") or {}).pop("requestId", None)
        (body.get("extensions") or {}).pop("bookmarks", None)
    return fast, standard


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_a_wide_page_is_answered_as_graphql_core_answers_it(
    seeded: TestClient, schema: strawberry.Schema, name: str
) -> None:
    # A reader without the PII clearance: the restricted fields are null between plain ones.
    reader = account_token(seeded, "Person:fx-reader@acme.example", ["reader"])
    for token in (reader, None):  # None: the client's own admin header
        fast, standard = _both(schema, lambda t=token: _post(seeded, t, QUERIES[name], yes=True))
        assert fast == standard
        assert "errors" not in fast, fast["errors"]
        assert fast["extensions"]["neo4jStatements"] >= 1
    text = json.dumps(fast)
    if name == "runs":  # the seed's values are there, not only equal nulls
        assert "4611686018427387904" in text and "2026-03-01T10:00:00+00:00" in text


def test_restricted_fields_between_plain_ones_are_answered_by_clearance_either_way(
    seeded: TestClient, schema: strawberry.Schema
) -> None:
    uncleared = account_token(seeded, "Person:fx-reader2@acme.example", ["reader"])
    cleared = account_token(seeded, "Person:fx-reader3@acme.example", ["reader"], ["PII"])
    seen = {}
    for name, token in (("uncleared", uncleared), ("cleared", cleared)):
        fast, standard = _both(schema, lambda t=token: _post(seeded, t, QUERIES["versions"]))
        assert fast == standard
        seen[name] = next(
            e["node"] for e in fast["data"]["nodes"]["edges"] if e["node"]["key"] == "fx-ds@1"
        )
    assert seen["uncleared"]["schema"] is None and seen["uncleared"]["sample"] is None
    assert seen["cleared"]["schema"] == [{"name": "ssn", "type": "string"}]
    assert seen["cleared"]["sample"] == [{"ssn": "000"}]
    assert seen["cleared"]["rowCount"] == seen["uncleared"]["rowCount"] == 7


def test_errors_keep_their_paths_and_order(seeded: TestClient, schema: strawberry.Schema) -> None:
    # A field error inside a wide page (a cursor refused in a nested connection) and an
    # unknown run among known ones: the errors, their paths and the nulls are the same.
    query = """{
      nodes(kind: JOB, first: 5) { edges { node { key
        ... on Job { name runs(first: 1, after: "_w==") { edges { node { key } } } } } } }
      a: run(key: "fx-run-1") { key status }
      b: run(key: "no-such-run") { key status }
    }"""
    fast, standard = _both(schema, lambda: _post(seeded, None, query))
    assert fast == standard
    assert [e["path"] for e in fast["errors"]] == [["nodes", "edges", 0, "node", "runs"]]


def _post(client: TestClient, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    if token is None:
        response = client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body
    return post_as(client, token, query, **variables)


# --- Every way a plain field can fail, on a schema built for it -------------------------


class Colour(enum.Enum):
    RED = "red"


def _refuse(value: object) -> str:
    raise ValueError(f"cannot show {value!r}")


Shown = NewType("Shown", str)
Refused = NewType("Refused", str)
SCALARS = StrawberryConfig(
    scalar_map={
        datetime: UtcDateTime,  # the catalog's DateTime, whose UTC values a row writes later
        Shown: strawberry.scalar(
            name="Shown", serialize=lambda v: None if v == "none" else f"<{v}>"
        ),
        Refused: strawberry.scalar(name="Refused", serialize=_refuse),
    }
)


@strawberry.type
class Item:
    name: str
    maybe: str | None
    count: int | None
    colour: Colour | None
    shown: Shown | None
    refused: Refused | None
    tags: list[str] | None
    strict_tags: list[str]
    when: datetime | None
    blob: JSON | None = None

    @strawberry.field
    def computed(self) -> str:
        return self.name.upper()


@strawberry.type
class Wrapper:
    item: Item | None
    items: list[Item | None]


GOOD = {"name": "a", "maybe": None, "count": 3, "colour": Colour.RED, "shown": "x",
        "refused": None, "tags": ["t"], "strict_tags": ["s"],
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}  # fmt: skip
BAD: list[dict[str, Any]] = [
    {"name": None},  # null in a non-null field: the object becomes null
    {"count": "three"},  # Int refuses text
    {"count": 2**40},  # Int refuses more than 32 bits
    {"colour": "blue"},  # not a Colour
    {"shown": "none"},  # the scalar answers None
    {"refused": "x"},  # the scalar raises
    {"tags": "not-a-list"},  # a str is iterable, and graphql-core accepts it
    {"tags": 5},  # not iterable
    {"strict_tags": ["s", None]},  # null item in a non-null list: a null list, an error
    {"tags": ["t", None]},  # null item in a list of non-null items
    {"tags": "a generator"},  # made anew for each request (see _item): the standard path
    {"when": "yesterday"},  # not a datetime
    {"blob": "an awaitable"},  # made anew (see _item): awaited by graphql-core, then JSON
    {"name": 7},  # not an error: String shows an int as text, which the one-pass row
    # leaves to the per-field loop
]


@strawberry.type
class FailingQuery:
    @strawberry.field
    def wrappers(self) -> list[Wrapper]:
        items = [_item(GOOD)] + [_item({**GOOD, **bad}) for bad in BAD]
        missing = _item(GOOD)
        del missing.maybe  # an attribute that is not there: AttributeError, masked as usual
        items.append(missing)
        return [Wrapper(item=i, items=[i, None]) for i in items]


class _Later:
    """An awaitable value (not a coroutine: unselected, it is dropped without a warning)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Iterator[None]:
        return self.value  # type: ignore[no-any-return]
        yield


def _item(values: dict[str, Any]) -> Item:
    if values.get("tags") == "a generator":
        values = {**values, "tags": (tag for tag in ["g"])}
    if values.get("blob") == "an awaitable":
        values = {**values, "blob": _Later({"a": [1]})}
    return Item(**{**GOOD, **values})


FAILING = """
  query { wrappers {
    __typename
    item { __typename name maybe count colour shown refused tags strictTags when blob computed
           n: name again: name ...F }
    items { name count colour tags strictTags ... on Item { shown when } }
  } }
  fragment F on Item { count tags }
"""


# Objects whose selections are all single leaves: answered by the one-pass row (_Row).
ROWS = "{ wrappers { items { name count colour shown when } item { again: name when count } } }"


@pytest.mark.parametrize("query", [FAILING, "{ wrappers { items { name } item { tags } } }", ROWS])
def test_every_failing_plain_field_fails_as_graphql_core_fails_it(query: str) -> None:
    answers = []
    for executor in (CatalogExecutor, StrawberryGraphQLCoreExecutionContext):
        schema = strawberry.Schema(
            query=FailingQuery, config=SCALARS, execution_context_class=executor
        )
        result = asyncio.run(schema.execute(query))
        answers.append(
            (result.data, [(e.message, e.path, e.locations) for e in result.errors or []])
        )
    assert answers[0] == answers[1]
    if query is FAILING:
        data, errors = answers[0]
        assert len(errors) >= len(BAD)  # each bad value is an error somewhere
        assert data is not None and data["wrappers"][0]["item"]["name"] == "a"


def test_an_all_leaf_object_is_answered_in_one_pass_or_left_to_the_loop() -> None:
    # Not `colour`: a stored property is never an Enum member (the row leaves those to the
    # loop, which ROWS above compares).
    names = ("name", "count", "shown", "when")
    schema = strawberry.Schema(query=FailingQuery, config=SCALARS)
    item_type = schema._schema.get_type("Item")
    assert isinstance(item_type, GraphQLObjectType)
    fields = tuple((name, plain_field(item_type, name, [])) for name in names)
    row = _row(cast(Any, fields))
    assert row is not None
    standard = asyncio.run(
        strawberry.Schema(
            query=FailingQuery, config=SCALARS,
            execution_context_class=StrawberryGraphQLCoreExecutionContext,
        ).execute("{ wrappers { items { " + " ".join(names) + " } } }")
    )  # fmt: skip
    assert standard.data is not None
    expected = [w["items"][0] for w in standard.data["wrappers"]]
    items = [w.items[0] for w in FailingQuery().wrappers()]
    pending = _Pending()
    answered = [_row_answer(row, item, pending) for item in items]
    pending.write()
    # The good item is answered in one pass, exactly as graphql-core answers it; every item
    # the row answers is answered so; what it cannot answer (a null, a value the scalar
    # refuses or answers null for, an int in a String field) it leaves to the loop.
    assert answered[0] is not None and answered[0] == expected[0]
    for found, wanted in zip(answered, expected, strict=True):
        assert found is None or found == wanted
    left = [bad for bad, found in zip(BAD, answered[1:], strict=False) if found is None]
    assert {"name": None} in left and {"count": "three"} in left and {"name": 7} in left
    assert {"shown": "none"} in left and {"when": "yesterday"} in left


@strawberry.type
class Timed:
    name: str
    when: datetime


@strawberry.type
class TimedQuery:
    @strawberry.field
    def timed(self) -> list[Timed]:
        return [Timed(name=f"t{i}", when=when) for i, when in enumerate(TIMES)]


TIMES = [
    datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no microseconds: none written
    datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(seconds=1815))),  # +00:30:15
]


def test_a_row_writes_its_datetimes_as_isoformat_writes_them() -> None:
    # A row leaves its UTC datetimes to be written in one call when the answer is complete;
    # the text is isoformat's, and other offsets are written at once, as before.
    answers = []
    for executor in (CatalogExecutor, StrawberryGraphQLCoreExecutionContext):
        schema = strawberry.Schema(
            query=TimedQuery, config=SCALARS, execution_context_class=executor
        )
        result = asyncio.run(schema.execute("{ timed { name when } }"))
        assert result.errors is None
        answers.append(result.data)
    assert answers[0] == answers[1]
    assert answers[0] == {"timed": [{"name": f"t{i}", "when": when.isoformat()}
                                    for i, when in enumerate(TIMES)]}  # fmt: skip
    timed = schema._schema.get_type("Timed")
    assert isinstance(timed, GraphQLObjectType)
    row = _row(cast(Any, tuple((name, plain_field(timed, name, [])) for name in ("name", "when"))))
    assert row is not None
    pending = _Pending()
    found = [_row_answer(row, item, pending) for item in TimedQuery().timed()]
    assert [answer["when"] for answer in cast(list[dict[str, Any]], found)] == [
        *TIMES[:5], TIMES[5].isoformat(), TIMES[6].isoformat()
    ]  # fmt: skip
    assert len(pending.rows) == len(TIMES)
    pending.write()
    assert [answer["when"] for answer in cast(list[dict[str, Any]], found)] == [
        when.isoformat() for when in TIMES
    ]
    assert pending.rows == []


def test_node_objects_are_built_as_their_init_builds_them() -> None:
    # to_type fills the objects in without the dataclass __init__ (types._check_assignable
    # refuses a type whose __init__ would do more when the module loads).
    for kind, cls in _TYPES.items():
        props = {stored: f"{attr}-value" for attr, stored in _STORED[cls]}
        node = nodes.NodeRecord(kind=kind, key="k-1", props=props)
        built = to_type(node)
        by_init = cls(id=node.uid, key=node.key, record=node, kind=kind.value,  # type: ignore[call-arg]
                      **{attr: props[stored] for attr, stored in _STORED[cls]})  # fmt: skip
        assert type(built) is cls and vars(built) == vars(by_init) and built == by_init


def test_every_stored_property_field_takes_the_fast_path(client: TestClient) -> None:
    # Guards against a Strawberry upgrade that renames its basic-field resolver: the fast
    # path would silently turn off (and W6 lose most of its gain).
    schema: strawberry.Schema = client.app.state.schema  # type: ignore[attr-defined]
    core = schema._schema
    for cls in ALL_NODE_TYPES:
        gql_type = core.get_type(cls.__strawberry_definition__.name)  # type: ignore[attr-defined]
        assert isinstance(gql_type, GraphQLObjectType)
        names = {schema.config.name_converter.apply_naming_config(a) for a, _ in _STORED[cls]}
        for name in names | {"id", "key", "kind", "__typename"}:
            assert plain_field(gql_type, name, []) is not None, (cls, name)
        # Fields with a resolver (restricted ones among them) never do.
        for name, field in gql_type.fields.items():
            if field.resolve is not None and not getattr(field.resolve, "_is_default", False):
                assert plain_field(gql_type, name, []) is None, (cls, name)
    dataset_version = core.get_type("DatasetVersion")
    assert isinstance(dataset_version, GraphQLObjectType)
    for restricted in ("schema", "sample", "facets", "columns"):
        assert plain_field(dataset_version, restricted, []) is None


# --- Decoding and encoding: the fast libraries, exactly the old answers -----------------


def _json_values(finite: bool) -> st.SearchStrategy[Any]:
    numbers = st.floats(allow_nan=not finite, allow_infinity=not finite)
    return st.recursive(
        st.none() | st.booleans() | st.integers() | numbers | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )


@hypothesis_settings(max_examples=300, deadline=None)
@given(_json_values(finite=False), st.booleans())
def test_stored_json_decodes_as_json_loads_decodes_it(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, sort_keys=True, ensure_ascii=ascii_only)
    assert repr(nodes.loads_json(text)) == repr(json.loads(text))


@pytest.mark.parametrize(
    "text",
    ['{"n": 123456789012345678901234567890}', '{"n": -9223372036854775809}',
     '{"n": 18446744073709551615}', '["\\ud800"]', '{"x": NaN, "y": -Infinity}',
     '{"n": 1e400}', '{"a": 1, "a": 2}', '{"s": "sha 1234567890123456789012"}',
     '{"e": "\\u00e9\\ud83d\\ude00"}', '[' * 300 + ']' * 300],
)  # fmt: skip
def test_json_that_orjson_reads_differently_is_read_by_json(text: str) -> None:
    assert repr(nodes.loads_json(text)) == repr(json.loads(text))


@hypothesis_settings(max_examples=300, deadline=None)
@given(_json_values(finite=True) | st.dictionaries(st.integers(), st.integers(), max_size=3))
def test_responses_encode_to_what_json_dumps_means(value: Any) -> None:
    assert json.loads(encode_response(value)) == json.loads(json.dumps(value))


def test_values_orjson_cannot_write_are_written_by_json() -> None:
    deep: list[Any] = []
    for _ in range(300):  # orjson stops at 254 levels
        deep = [deep]
    for value in ({"n": 2**70}, {"s": "\ud800"}, {1: "int key"}, deep):
        assert encode_response(value) == json.dumps(value, separators=(",", ":")).encode()
    with pytest.raises(TypeError):  # as json.dumps refuses it, so does the response
        encode_response({"when": datetime(2026, 1, 1, tzinfo=UTC)})


def test_a_number_json_cannot_hold_is_null() -> None:
    # Only a JSON value stored around the write rules (which refuse them) can hold one:
    # json.dumps wrote the tokens NaN and Infinity, which no JSON parser reads; now null.
    body = encode_response({"v": [float("nan"), float("inf"), -float("inf"), 1.5]})
    assert json.loads(body) == {"v": [None, None, None, 1.5]}


def test_a_page_decodes_what_the_lookup_by_uid_decodes(
    clean_graph: Driver, settings: Settings
) -> None:
    # Written directly, around the write rules, so that what only older or foreign data
    # holds is there too: a big integer and a lone surrogate escape in stored JSON, a
    # datetime with an offset, a date, a list.
    clean_graph.execute_query(
        "UNWIND range(1, 30) AS i "
        "WITH i, 'p' + right('0' + i, 2) AS key "
        "CREATE (n:Node:Run {uid: 'Run:' + key, kind: 'Run', key: key, "
        "  parameters_json: $params, tags: ['a', 'b'], run_kind: 'training', count: i, "
        "  started_at: datetime('2026-03-01T12:30:15.123456789+01:00'), "
        "  recorded_at: datetime({epochSeconds: 1700000000 + i, nanosecond: 999999999}), "
        "  day: date('2026-01-02')})",
        params='{"big": 123456789012345678901234567890, "bad": "\\ud800", "ok": [1.5, null]}',
        database_=settings.neo4j_database,
    )

    async def read() -> tuple[nodes.Page, dict[str, nodes.NodeRecord]]:
        driver = open_driver(settings)
        try:
            graph = Graph(driver, database=settings.neo4j_database)
            page = await nodes.page_by_kind(graph, kind=nodes.Kind.RUN, after="p05", limit=20)
            by_uid = await nodes.nodes_by_uid(graph, uids=[f"Run:p{i:02d}" for i in range(1, 31)])
            return page, by_uid
        finally:
            await driver.close()

    page, by_uid = asyncio.run(read())
    assert [n.key for n in page.nodes] == [f"p{i:02d}" for i in range(6, 26)] and page.has_next
    assert page.nodes == [by_uid[n.uid] for n in page.nodes]
    first = page.nodes[0].props
    assert first["parameters"] == {"big": 123456789012345678901234567890, "bad": "\ud800",
                                   "ok": [1.5, None]}  # fmt: skip
    assert first["started_at"].isoformat() == "2026-03-01T12:30:15.123456+01:00"
    assert first["recorded_at"].isoformat() == "2023-11-14T22:13:26.999999+00:00"


def test_the_server_freezes_what_start_up_built_and_collects_young_objects_later(
    app_client: TestClient,
) -> None:
    assert gc.get_threshold() == THRESHOLDS
    assert gc.get_freeze_count() > 10_000  # the modules and the schema, at least
