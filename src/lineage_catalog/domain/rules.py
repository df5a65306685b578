"""The write rules every interface shares: which kinds each relationship may join, which
values Neo4j can store, and the shapes of the JSON fields.

GraphQL mutations, bulk rows, OpenLineage events, the demo loader and the test factories
all end in these checks (through services/ and store/nodes.encode_props), so a value that
one interface refuses no other can write.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from itertools import product
from typing import Any

from lineage_catalog.domain.auth import Role
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import AGENT_KINDS, OWNABLE_KINDS, Kind, Rel, check_name

Path = Sequence[str | int]
K = Kind

# What a run reads or writes: versions of things, never the things themselves.
ENTITY_KINDS = frozenset(
    {K.DATASET_VERSION, K.FEATURE, K.MODEL_VERSION, K.EVALUATION, K.PREDICTION}
)
CLASSIFIABLE_KINDS = frozenset(
    {K.DATASET, K.DATASET_VERSION, K.FEATURE, K.MODEL, K.MODEL_VERSION, K.JOB}
)


def _pairs(sources: Iterable[Kind], targets: Iterable[Kind]) -> frozenset[tuple[Kind, Kind]]:
    return frozenset(product(sources, targets))


# rel -> the (source kind, target kind) pairs it may join; one table for every interface.
LINK_ENDS: dict[Rel, frozenset[tuple[Kind, Kind]]] = {
    Rel.USED: _pairs({K.RUN}, ENTITY_KINDS),
    Rel.GENERATED: _pairs({K.RUN}, ENTITY_KINDS),
    Rel.EXECUTED: _pairs({K.RUN}, {K.CODE_COMMIT}),
    Rel.VERSION_OF: frozenset({(K.DATASET_VERSION, K.DATASET), (K.MODEL_VERSION, K.MODEL)}),
    Rel.SERVED: _pairs({K.DEPLOYMENT}, {K.MODEL_VERSION}),
    Rel.MADE_BY: _pairs({K.PREDICTION}, {K.DEPLOYMENT, K.MODEL_VERSION}),
    Rel.OWNS: _pairs(AGENT_KINDS, OWNABLE_KINDS),
    Rel.AUTHORED: _pairs({K.PERSON}, {K.CODE_COMMIT}),
    Rel.TRIGGERED: _pairs(AGENT_KINDS, {K.RUN}),
    Rel.CLASSIFIED_AS: _pairs(CLASSIFIABLE_KINDS, {K.CLASSIFICATION}),
    Rel.RUN_OF: _pairs({K.RUN}, {K.JOB}),
    Rel.MEMBER_OF: _pairs({K.PERSON, K.SERVICE_ACCOUNT}, {K.TEAM}),
}

# Links that a node's own command writes from its key or fields (a version VERSION_OF the
# parent its key names, a run RUN_OF its job, a prediction MADE_BY its deployment and
# version): never loose, or a version could be tied to another dataset and inherit its
# owners.
STRUCTURAL_LINKS = frozenset({Rel.VERSION_OF, Rel.RUN_OF, Rel.MADE_BY})

# Links stored as properties of their source node, not as relationships: rel -> the
# property holding the key of the target of each kind. A prediction carries its
# deployment's and model version's keys, which composite indexes on (deployment, time) and
# (model_version, time) serve (V0008): a million predictions would otherwise be two million
# relationships on a handful of dense nodes, which every load writes and locks. Reads that
# follow MADE_BY (explore, impact) match those properties; the link's ends are still checked
# by LINK_ENDS and its targets must exist, as for any link.
PROPERTY_LINKS: dict[Rel, dict[Kind, str]] = {
    Rel.MADE_BY: {K.DEPLOYMENT: "deployment", K.MODEL_VERSION: "model_version"},
}

# Links that change governance: the role each needs, through whatever interface, always
# with a reason. SERVED here is history brought in by a bulk load, never current serving,
# which only the lifecycle (services/serving.py) records.
GOVERNED_LINKS: dict[Rel, Role] = {
    Rel.OWNS: Role.APPROVER,
    Rel.CLASSIFIED_AS: Role.APPROVER,
    Rel.SERVED: Role.ADMIN,
}


def _names(kinds: Iterable[Kind]) -> str:
    return ", ".join(sorted(k.value for k in kinds))


def check_link(
    rel: Rel, source: Kind, target: Kind, *, source_path: Path, target_path: Path
) -> None:
    """Refuse (source)-[rel]->(target) unless LINK_ENDS allows it; the error names the
    source's input when no link of this type can start there, else the target's."""
    allowed = LINK_ENDS[rel]
    if (source, target) in allowed:
        return
    fits = {t for s, t in allowed if s is source}
    if not fits:
        starts = {s for s, _ in allowed}
        raise BadInputError(
            f"a {source.value} cannot have {rel.value} links (only {_names(starts)})",
            path=list(source_path),
        )
    raise BadInputError(
        f"a {rel.value} link from a {source.value} goes to one of {_names(fits)}, "
        f"not a {target.value}",
        path=list(target_path),
    )


def utc(value: datetime, *, path: Path) -> datetime:
    """The same instant in UTC with a fixed offset; a time without an offset is taken as
    UTC. A zone name (pyarrow's `UTC`) would be stored as `…Z[UTC]`, which Neo4j orders
    apart from `…Z`, so no zone name ever reaches the graph."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as e:
        raise BadInputError(
            f"{value.isoformat()} is outside the supported range "
            "(0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)",
            path=list(path),
        ) from e


def check_interval(valid_from: datetime, valid_to: datetime | None, *, path: Path) -> None:
    """[valid_from, valid_to) is not empty; `path` names valid_to."""
    if valid_to is not None and valid_to <= valid_from:
        raise BadInputError("the interval ends before it starts", path=list(path))


def traffic_share(value: Any, *, path: Path) -> float:
    """A share of a deployment's traffic: a number within [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise BadInputError(f"expected a number within [0, 1], got {value!r}", path=list(path))
    return float(value)


_INT64 = 2**63


def _text(value: str, path: Path) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise BadInputError("text is not valid Unicode (a lone surrogate)", path=list(path)) from e
    return value


def _number(value: float, path: Path) -> float:
    if isinstance(value, float) and not math.isfinite(value):
        raise BadInputError(f"{value} is not a finite number", path=list(path))
    if isinstance(value, int) and not -_INT64 <= value < _INT64:
        raise BadInputError("integer out of the 64-bit range", path=list(path))
    return value


MAX_JSON_DEPTH = 64


def json_value(value: Any, *, path: Path) -> Any:
    """A value that JSON can carry exactly: objects with text keys, lists, text, finite
    numbers, booleans and null, nested at most MAX_JSON_DEPTH levels; datetimes become UTC."""
    if len(path) > MAX_JSON_DEPTH:
        raise BadInputError(
            f"nested more than {MAX_JSON_DEPTH} levels deep", path=list(path[:MAX_JSON_DEPTH])
        )
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text(value, path)
    if isinstance(value, int | float):
        return _number(value, path)
    if isinstance(value, datetime):
        return utc(value, path=path)
    if isinstance(value, date):
        return value
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise BadInputError("object keys must be text", path=list(path))
            out[_text(k, [*path, k])] = json_value(v, path=[*path, k])
        return out
    if isinstance(value, list | tuple):
        return [json_value(v, path=[*path, i]) for i, v in enumerate(value)]
    raise BadInputError(f"{type(value).__name__} is not a JSON value", path=list(path))


_SCALARS: tuple[type, ...] = (bool, str, int, float, datetime, date)


def storable(value: Any, *, path: Path) -> Any:
    """A property value as Neo4j can hold it: a scalar, a list of one scalar type (ints and
    floats together become floats), or JSON (an object, or a list of objects), which the
    store keeps as text."""
    if isinstance(value, Mapping):
        return json_value(value, path=path)
    if isinstance(value, list | tuple):
        if any(isinstance(v, Mapping) for v in value):
            if not all(isinstance(v, Mapping) for v in value):
                raise BadInputError("a list must hold objects only, or none", path=list(path))
            return json_value(value, path=path)
        items = [storable(v, path=[*path, i]) for i, v in enumerate(value)]
        types = {_scalar_type(v, [*path, i]) for i, v in enumerate(items)}
        if types == {int, float}:
            return [float(v) for v in items]
        if len(types) > 1:
            names = ", ".join(sorted(t.__name__ for t in types))
            raise BadInputError(
                f"a list must hold values of one type, not {names}", path=list(path)
            )
        return items
    return json_value(value, path=path)


def _scalar_type(value: Any, path: Path) -> type:
    if value is None:
        raise BadInputError("a list cannot hold null", path=list(path))
    if isinstance(value, list):
        raise BadInputError("a list cannot hold lists", path=list(path))
    return next(t for t in _SCALARS if isinstance(value, t))


# Properties that are display names, held to check_name (one line of visible text).
DISPLAY_NAMES = frozenset({"name", "namespace"})


# Properties that hold a URI: stored without the userinfo part (credentials).
URI_PROPS = frozenset({"location", "artifact_uri", "endpoint", "url"})


def without_userinfo(uri: str) -> str:
    """The URI without `user:password@` in its authority (`postgres://u:p@db/x` ->
    `postgres://db/x`; also after a sub-scheme, `jdbc:postgresql://u:p@db/x`). A secret
    in a location would be served to every reader; the same rule is V0006's for stored
    data."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" not in authority:
        return uri
    return scheme + sep + authority.rsplit("@", 1)[1] + rest[len(authority) :]


def storable_prop(name: str, value: Any, *, path: Path) -> Any:
    """One property as `storable` makes it; a display name must also pass check_name, a
    URI loses its credentials."""
    if name in DISPLAY_NAMES and isinstance(value, str):
        check_name(value, path=list(path))
    if name in URI_PROPS and isinstance(value, str):
        value = without_userinfo(value)
    return storable(value, path=path)


def storable_props(props: Mapping[str, Any], *, path: Path = ()) -> dict[str, Any]:
    """Every property checked and normalised by `storable_prop`; None (not given) is kept."""
    return {
        name: None if value is None else storable_prop(name, value, path=[*path, name])
        for name, value in props.items()
    }


def json_object(value: Any, *, path: Path) -> dict[str, Any] | None:
    """A JSON object (parameters, environment, metrics), or None."""
    if value is not None and not isinstance(value, Mapping):
        raise BadInputError("expected a JSON object", path=list(path))
    return None if value is None else json_value(value, path=path)


def json_rows(value: Any, *, path: Path) -> list[dict[str, Any]] | None:
    """A list of JSON objects (sample rows), or None."""
    if value is not None and not (
        isinstance(value, list) and all(isinstance(row, Mapping) for row in value)
    ):
        raise BadInputError("expected a list of JSON objects", path=list(path))
    return None if value is None else json_value(value, path=path)


_FIELD_KEYS = frozenset({"name", "type", "description"})


def schema_fields(value: Any, *, path: Path) -> list[dict[str, Any]] | None:
    """A dataset version's schema: a list of {name, type?, description?} with text values."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise BadInputError("expected a list of fields {name, type, description}", path=list(path))
    fields = []
    for i, item in enumerate(value):
        where = [*path, i]
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise BadInputError("a field is an object with a text name", path=where)
        extra = set(item) - _FIELD_KEYS
        if extra:
            raise BadInputError(f"unknown field keys: {', '.join(sorted(extra))}", path=where)
        for key in ("type", "description"):
            if item.get(key) is not None and not isinstance(item[key], str):
                raise BadInputError(f"{key} must be text", path=[*where, key])
        fields.append({k: item.get(k) for k in ("name", "type", "description")})
    return json_value(fields, path=path)  # type: ignore[no-any-return]
