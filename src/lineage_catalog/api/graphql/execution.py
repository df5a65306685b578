"""GraphQL execution with a fast path for plain data.

graphql-core executes every field the same way: a Path, a resolve-info object, the
resolver call, then completion through several calls. For a stored property (a `prop()`
field: Strawberry's basic field, an attribute read) that is most of the work, and a
10k-node page has 100k of them, inside 20k edge and node objects. Here a selection set's
plain fields are answered in one loop per object:

- leaves: stored attributes of a scalar or enum type, or lists of them, serialized with the
  type's own `coerce_output_value` (so custom scalars such as DateTime and JSON serialize
  as before); and `__typename`;
- pure objects: an attribute holding an object, an interface value or a list of them
  (a connection's `edges`, an edge's `node`) whose selected fields are all plain in turn.
  Nothing in such a subtree runs a resolver, so it has no effects and can be answered in
  one pass, without Paths or resolve-info objects.

In an all-leaf object (a `_Row`), a DateTime in UTC is written as its ISO text once the
whole answer is complete: orjson writes a list of them in one call, exactly as
`datetime.isoformat` writes each (a tenth of the time; a 10k-node page has 30k of them).

Every other field goes through graphql-core unchanged (and its selection set through this
path again). Anything that would make a plain field fail (a missing attribute, null in a
non-null field, a value the scalar refuses, a type that does not resolve) sends that field
back to graphql-core's own execution, which raises or reports the error with its path
exactly as without this path: the fast loop only ever answers what the standard execution
would answer, and otherwise answers nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any, cast

import orjson
from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLInterfaceType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLString,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from graphql.pyutils import is_awaitable as default_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import get_strawberry_type_cast

# Only @skip and @include act at execution without incremental delivery, and they have
# been applied when the fields were collected; any other directive keeps the standard path.
_COLLECTION_DIRECTIVES = frozenset({"skip", "include"})
_TEXT = (GraphQLString, GraphQLID)  # a str is its own serialization for these two
_DEFINITION = "strawberry-definition"
_ABSENT = object()
# What stored properties hold: none of them can be awaitable.
_STORED_TYPES = frozenset({str, int, float, bool, list, dict, datetime, date})

LEAF, TYPENAME, OBJECT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class PlainField:
    """How to answer one response key from the source object without graphql-core."""

    form: int  # LEAF, TYPENAME or OBJECT
    attribute: str  # the Python attribute; for __typename, the type's name
    named: GraphQLNamedType | None  # the leaf, object or interface type; None for __typename
    text: bool  # String or ID: a str value is answered as it is
    non_null: bool
    is_list: bool
    item_non_null: bool
    field_def: GraphQLField | None = None
    details: FieldDetailsList | None = None  # for an object: its field nodes, to collect


class _Refused(Exception):
    """A plain field's value needs the standard execution (to raise or report an error)."""


def plain_field(
    parent_type: GraphQLObjectType, name: str, details: FieldDetailsList
) -> PlainField | None:
    """The fast-path reading of a selected field, or None when it needs graphql-core: only
    `__typename` and Strawberry basic fields (no resolver, permission or extension; the
    default getattr resolver) of a leaf, object or interface type or a list of one,
    without arguments or directives."""
    if name == "__typename":
        return PlainField(TYPENAME, parent_type.name, None, False, True, False, False)
    field_def: GraphQLField | None = parent_type.fields.get(name)
    if field_def is None or not _is_basic(field_def):
        return None
    for detail in details:
        node = detail.node
        if node.arguments or any(
            d.name.value not in _COLLECTION_DIRECTIVES for d in node.directives or ()
        ):
            return None
    kind = field_def.type
    non_null = isinstance(kind, GraphQLNonNull)
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    is_list = isinstance(kind, GraphQLList)
    item_non_null = False
    if isinstance(kind, GraphQLList):
        kind = kind.of_type
        item_non_null = isinstance(kind, GraphQLNonNull)
        if isinstance(kind, GraphQLNonNull):
            kind = kind.of_type
    attribute = field_def.extensions[_DEFINITION].python_name
    if is_leaf_type(kind):
        return PlainField(LEAF, attribute, kind, kind in _TEXT, non_null, is_list,
                          item_non_null)  # fmt: skip
    if _default_typing(kind):
        return PlainField(OBJECT, attribute, cast(GraphQLNamedType, kind), False, non_null,
                          is_list, item_non_null, field_def, details)  # fmt: skip
    return None  # a union, a list of lists, or a type with its own type resolution


def _is_basic(field_def: GraphQLField) -> bool:
    """Strawberry's resolver for a field without resolver or extensions reads the attribute
    (`StrawberryField.get_result` with the default resolver, getattr) and nothing else."""
    resolve = field_def.resolve
    definition = (field_def.extensions or {}).get(_DEFINITION)
    return (
        resolve is not None
        and getattr(resolve, "_is_default", False)
        and getattr(resolve, "__name__", "") == "_get_basic_result"
        and definition is not None
        and definition.is_basic_field
        and definition.default_resolver is getattr
    )


def _default_typing(kind: Any) -> bool:
    """An object type without its own is_type_of, or an interface without its own
    resolve_type: Strawberry's, which depend on the value's class (and a cast) only."""
    if isinstance(kind, GraphQLObjectType):
        attribute = "is_type_of"
    elif isinstance(kind, GraphQLInterfaceType):
        attribute = "resolve_type"
    else:
        return False
    definition = (kind.extensions or {}).get(_DEFINITION)
    return definition is not None and getattr(definition, attribute, _ABSENT) is None


def _leaf(leaf: GraphQLLeafType, text: bool, value: Any) -> Any:
    if text and type(value) is str:
        return value
    if type(value) not in _STORED_TYPES and default_is_awaitable(value):
        raise _Refused  # graphql-core awaits it first; a scalar such as JSON would not
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception as e:
        raise _Refused from e
    if coerced is None or coerced is Undefined:
        raise _Refused
    return coerced


@dataclass(frozen=True, slots=True)
class _Row:
    """An object whose selected fields are all single leaves, read with C-level calls: one
    attribute getter for all of them, one `join` to check that the String and ID values are
    text, and the serialization of the others. Anything unusual (a null, a missing
    attribute, a value that is not text or not a stored type, a serialization that fails or
    answers nothing) leaves it to the per-field loop, which answers or refuses as before."""

    names: tuple[str, ...]
    values: Callable[[Any], tuple[Any, ...]]
    texts: Callable[[Any], tuple[Any, ...]] | None
    convert: tuple[tuple[int, str, Callable[[Any], Any]], ...]
    times: frozenset[int]  # the positions in `convert` of DateTimes (datetime.isoformat)
    time_names: tuple[str, ...]  # their response keys


def _row(plain: tuple[tuple[str, PlainField], ...]) -> _Row | None:
    if len(plain) < 2 or any(sub.form != LEAF or sub.is_list for _, sub in plain):
        return None
    texts = [sub.attribute for _, sub in plain if sub.text]
    convert = tuple(
        (i, name, cast(GraphQLLeafType, sub.named).serialize)
        for i, (name, sub) in enumerate(plain)
        if not sub.text
    )
    times = frozenset(i for i, _, serialize in convert if serialize is datetime.isoformat)
    return _Row(
        names=tuple(name for name, _ in plain),
        values=attrgetter(*(sub.attribute for _, sub in plain)),
        # attrgetter of one name answers the value, not a tuple: ask for it twice.
        texts=attrgetter(*texts)
        if len(texts) > 1
        else attrgetter(texts[0], texts[0])
        if texts
        else None,
        convert=convert,
        times=times,
        time_names=tuple(name for i, name, _ in convert if i in times),
    )


class _Pending:
    """The all-leaf objects of an answer that hold DateTimes to be written as text when it
    is complete, each with the response keys that may hold one."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: list[tuple[dict[str, Any], tuple[str, ...]]] = []

    def write(self) -> None:
        """Each datetime left in those objects replaced by its ISO text: orjson's text for
        an aware datetime in UTC is datetime.isoformat's (microseconds when not zero,
        +00:00), and one call writes them all."""
        rows, self.rows = self.rows, []
        times = [c[n] for c, names in rows for n in names if type(c[n]) is datetime]
        if times:
            texts = iter(orjson.loads(orjson.dumps(times)))
            for completed, names in rows:
                for name in names:
                    if type(completed[name]) is datetime:
                        completed[name] = next(texts)


def _row_answer(row: _Row, value: Any, pending: _Pending) -> dict[str, Any] | None:
    """The answer of an all-leaf object, or None where the per-field loop must answer. Its
    DateTimes in UTC are left as they are, for `pending` to write; the others are written
    at once."""
    try:
        found = row.values(value)
        if None in found:
            return None
        if row.texts is not None:
            "".join(row.texts(value))  # a TypeError unless every one is a str
        # One value per name (`_row` made both from the same fields).
        completed = dict(zip(row.names, found, strict=False))
        stored = _STORED_TYPES
        times = row.times
        for i, name, serialize in row.convert:
            item = found[i]
            if type(item) not in stored:
                return None
            if i in times and type(item) is datetime and item.tzinfo is UTC:
                continue  # left in the answer; written by `pending`
            out = serialize(item)
            if out is None or out is Undefined:
                return None
            completed[name] = out
    except Exception:
        return None
    if times:
        pending.rows.append((completed, row.time_names))
    return completed


@dataclass(frozen=True, slots=True)
class _Plan:
    grouped_field_set: GroupedFieldSet  # kept alive: plans are found by its id()
    order: tuple[str, ...]
    plain: tuple[tuple[str, PlainField], ...]
    rest: GroupedFieldSet  # the fields graphql-core executes, in their order


# An object's type, plain fields, _Row (or None), and whether a cast can change its type.
_ObjectPlan = tuple[GraphQLObjectType, tuple[tuple[str, PlainField], ...], _Row | None, bool]


class CatalogExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with plain fields answered in one loop per object."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[int, _Plan] = {}
        self._runtime_types: dict[tuple[int, type], GraphQLObjectType] = {}
        self._infos: dict[int, GraphQLResolveInfo[Any]] = {}
        # Per (object type, field): its plain fields and their _Row when the whole subtree is
        # plain, else None.
        self._pure_fields: dict[tuple[int, int], Any] = {}
        self._pending_times = _Pending()
        # Per (field, class of the value): its _ObjectPlan.
        self._object_plans: dict[tuple[int, type], _ObjectPlan] = {}
        manager = self.middleware_manager
        # A middleware (a schema extension's `resolve`) must see every field.
        self._fast = not (manager is not None and manager.middlewares)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if not self._fast or path is None:  # the root fields: resolvers, and few
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plan = self._plan(parent_type, grouped_field_set)
        if not plan.plain:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        known: dict[str, Any] = {}
        refused: list[str] = []
        for name, field in plan.plain:
            try:
                known[name] = self._answer(field, parent_type, source_value, path)
            except Exception:  # graphql-core answers it, its error included
                refused.append(name)
        rest = plan.rest
        if refused:
            rest = {n: d for n, d in grouped_field_set.items() if n in refused or n in rest}
        if not rest:
            return known  # all plain: already in the selection's order
        executed = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(executed):
            return _merged_later(plan.order, known, cast(Awaitable[dict[str, Any]], executed))
        merged: dict[str, Any] = _merged(plan.order, known, cast(dict[str, Any], executed))
        return merged

    def build_response(self, data: dict[str, Any] | None) -> Any:
        # Every answer goes out through here, its fields all complete: the pending
        # DateTimes are written before anyone reads it.
        self._pending_times.write()
        return super().build_response(data)

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> _Plan:
        plan = self._plans.get(id(fields))
        if plan is None or plan.grouped_field_set is not fields:
            plain: list[tuple[str, PlainField]] = []
            rest: GroupedFieldSet = {}
            for name, details in fields.items():
                found = plain_field(parent_type, name, details)
                if found is None:
                    rest[name] = details
                else:
                    plain.append((name, found))
            plan = _Plan(fields, tuple(fields), tuple(plain), rest)
            self._plans[id(fields)] = plan
        return plan

    def _answer(
        self, field: PlainField, parent_type: GraphQLObjectType, source: Any, path: Path
    ) -> Any:
        """The completed value of a plain field of `source`, or an exception (_Refused
        where the value needs graphql-core) before anything has been changed."""
        form = field.form
        if form == TYPENAME:
            return field.attribute
        value = getattr(source, field.attribute, _ABSENT)
        if value is None:
            if field.non_null:
                raise _Refused
            return None
        if value is _ABSENT:
            raise _Refused
        named: Any = field.named
        if not field.is_list:
            if form == LEAF:
                return _leaf(named, field.text, value)
            return self._pure_object(field, parent_type, value, path)
        if type(value) is not list and type(value) is not tuple:
            raise _Refused  # other iterables (and errors for non-iterables) stay standard
        completed: list[Any] = []
        append = completed.append
        for item in value:
            if item is None:
                if field.item_non_null:
                    raise _Refused
                append(None)
            elif form == LEAF:
                append(_leaf(named, field.text, item))
            else:
                append(self._pure_object(field, parent_type, item, path))
        return completed

    def _pure_object(
        self, field: PlainField, parent_type: GraphQLObjectType, value: Any, path: Path
    ) -> dict[str, Any]:
        """An object whose selected fields are all plain, answered in one pass."""
        plan = self._object_plans.get((id(field), type(value)))
        if plan is None or (plan[3] and get_strawberry_type_cast(value) is not None):
            plan = self._object_plan(field, parent_type, value, path)
        runtime, plain, row, _ = plan
        if row is not None:
            answered = _row_answer(row, value, self._pending_times)
            if answered is not None:
                return answered
        completed: dict[str, Any] = {}
        for name, sub in plain:
            form = sub.form
            if form == LEAF and not sub.is_list:  # most fields: inline
                found = getattr(value, sub.attribute, _ABSENT)
                if found is None:
                    if sub.non_null:
                        raise _Refused
                    completed[name] = None
                elif sub.text and type(found) is str:
                    completed[name] = found
                elif found is _ABSENT:
                    raise _Refused
                else:
                    completed[name] = _leaf(cast(GraphQLLeafType, sub.named), sub.text, found)
            elif form == OBJECT and not sub.is_list:  # an edge's node: inline too
                found = getattr(value, sub.attribute, _ABSENT)
                if found is None:
                    if sub.non_null:
                        raise _Refused
                    completed[name] = None
                elif found is _ABSENT:
                    raise _Refused
                else:
                    completed[name] = self._pure_object(sub, runtime, found, path)
            else:
                completed[name] = self._answer(sub, runtime, value, path)
        return completed

    def _object_plan(
        self, field: PlainField, parent_type: GraphQLObjectType, value: Any, path: Path
    ) -> _ObjectPlan:
        """How to answer `value` in `field`: its object type, its plain fields and their
        _Row, and whether a strawberry.cast could change its type. Remembered per class
        unless the value is cast; _Refused when its subtree has a resolver."""
        named = field.named
        if type(named) is GraphQLObjectType and named.is_type_of is None:
            runtime = named  # nothing to resolve or check (an edge, a page's info)
            castable = False
        else:
            runtime = self._runtime_type(field, parent_type, value, path)
            castable = True
        key = (id(runtime), id(field))
        known = self._pure_fields.get(key, _ABSENT)
        if known is _ABSENT:
            grouped, defer_usages, _ = self.collect_subfields(
                runtime, cast(FieldDetailsList, field.details)
            )
            plan = self._plan(runtime, grouped)
            # A resolver in the subtree: graphql-core runs it, once.
            known = None if defer_usages or plan.rest else (plan.plain, _row(plan.plain))
            self._pure_fields[key] = known
        if known is None:
            raise _Refused
        found: _ObjectPlan = (runtime, known[0], known[1], castable)
        if not castable or get_strawberry_type_cast(value) is None:
            self._object_plans[(id(field), type(value))] = found
        return found

    def _runtime_type(
        self, field: PlainField, parent_type: GraphQLObjectType, value: Any, path: Path
    ) -> GraphQLObjectType:
        """The object type of a value, as graphql-core resolves and checks it; remembered
        per class, since Strawberry's default type resolution depends on nothing else
        (unless the value is cast with strawberry.cast, which is resolved each time)."""
        key = (id(field.named), type(value))
        known = self._runtime_types.get(key)
        uncast = get_strawberry_type_cast(value) is None
        if known is not None and uncast:
            return known
        info = self._infos.get(id(field))
        if info is None:
            # Strawberry's default resolve_type and is_type_of read the schema and the field
            # name only; the path is the parent object's (they never read it).
            nodes = [d.node for d in cast(FieldDetailsList, field.details)]
            info = self.build_resolve_info(cast(GraphQLField, field.field_def), nodes,
                                           parent_type, path)  # fmt: skip
            self._infos[id(field)] = info
        named = field.named
        runtime: Any = named
        if isinstance(named, GraphQLInterfaceType):
            if named.resolve_type is None:
                raise _Refused
            name = named.resolve_type(value, info, named)
            runtime = self.schema.get_type(name) if isinstance(name, str) else None
            if (
                not isinstance(runtime, GraphQLObjectType)
                or not self.schema.is_sub_type(named, runtime)
                or not _default_typing(runtime)
            ):
                raise _Refused
        if runtime.is_type_of is not None and runtime.is_type_of(value, info) is not True:
            raise _Refused
        if uncast:
            self._runtime_types[key] = runtime
        return cast(GraphQLObjectType, runtime)


def _merged(order: tuple[str, ...], known: dict[str, Any], executed: dict[str, Any]) -> Any:
    # The response keeps the selection's order of keys, as graphql-core's would.
    return {
        n: known[n] if n in known else executed[n] for n in order if n in known or n in executed
    }


async def _merged_later(
    order: tuple[str, ...], known: dict[str, Any], executed: Awaitable[dict[str, Any]]
) -> dict[str, Any]:
    return _merged(order, known, await executed)  # type: ignore[no-any-return]
