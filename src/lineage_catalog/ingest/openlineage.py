"""OpenLineage RunEvents: validated, then mapped to the catalog's nodes and links.

Pure: no web framework and no Neo4j here (services/openlineage.py writes the plan).
docs/openlineage.md describes the mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, check_key, check_name, uid
from lineage_catalog.domain.rules import utc

Facets = dict[str, dict[str, Any]]
_KEY_SAFE = "._:/+-"
_VERSION_SAFE = "._+-"


class _Open(BaseModel):
    # OpenLineage objects may carry fields of newer spec versions: keep, never reject, them.
    model_config = ConfigDict(extra="allow")


class _DatasetIn(_Open):
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)
    facets: Facets | None = None


class InputDatasetIn(_DatasetIn):
    inputFacets: Facets | None = None


class OutputDatasetIn(_DatasetIn):
    outputFacets: Facets | None = None


class RunIn(_Open):
    runId: str = Field(min_length=1)
    facets: Facets | None = None


class JobIn(_Open):
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)
    facets: Facets | None = None


class RunEventIn(_Open):
    """An OpenLineage RunEvent as received."""

    eventTime: Annotated[datetime, Field(strict=True)]
    eventType: Literal["START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER"] | None = None
    producer: str = Field(min_length=1)
    schemaURL: str | None = None
    run: RunIn
    job: JobIn
    inputs: list[InputDatasetIn] | None = None
    outputs: list[OutputDatasetIn] | None = None


# The facets the catalog reads. Unknown facets are kept as they are, never validated.
class SchemaFieldFacet(_Open):
    name: str
    type: str | None = None
    description: str | None = None
    fields: list[SchemaFieldFacet] | None = None


class SchemaFacet(_Open):
    fields: list[SchemaFieldFacet] | None = None


class DataSourceFacet(_Open):
    name: str | None = None
    uri: str | None = None


class DocumentationFacet(_Open):
    description: str | None = None


class DatasetVersionFacet(_Open):
    datasetVersion: str | int | None = None


class Owner(_Open):
    name: str
    type: str | None = None


class OwnershipFacet(_Open):
    owners: list[Owner] | None = None


class ColumnLineageFacet(_Open):
    fields: dict[str, Any] | None = None


class OutputStatisticsFacet(_Open):
    rowCount: int | None = None
    size: int | None = None


class SqlFacet(_Open):
    query: str | None = None


class SourceCodeLocationFacet(_Open):
    type: str | None = None
    url: str | None = None
    repoUrl: str | None = None
    path: str | None = None
    version: str | None = None
    tag: str | None = None
    branch: str | None = None


class ParentRun(_Open):
    runId: str


class ParentJob(_Open):
    namespace: str
    name: str


class ParentRunFacet(_Open):
    run: ParentRun
    job: ParentJob | None = None


class ErrorMessageFacet(_Open):
    message: str | None = None


_DATASET_FACETS: dict[str, type[_Open]] = {
    "schema": SchemaFacet,
    "dataSource": DataSourceFacet,
    "documentation": DocumentationFacet,
    "version": DatasetVersionFacet,
    "ownership": OwnershipFacet,
    "columnLineage": ColumnLineageFacet,
}
_OUTPUT_FACETS: dict[str, type[_Open]] = {"outputStatistics": OutputStatisticsFacet}
_JOB_FACETS: dict[str, type[_Open]] = {
    "documentation": DocumentationFacet,
    "sql": SqlFacet,
    "sourceCodeLocation": SourceCodeLocationFacet,
}
_RUN_FACETS: dict[str, type[_Open]] = {"parent": ParentRunFacet, "errorMessage": ErrorMessageFacet}
# Facets that describe one version of a dataset rather than the dataset as a whole.
_VERSION_FACETS = frozenset({"schema", "columnLineage", "version"})


@dataclass(frozen=True, slots=True)
class NodeUpdate:
    """What one event says of one node: plain properties and facets.

    `rank` orders facets reported for the same node: a writer's view of a dataset
    version (1) outranks a reader's (0), whatever the event times.
    """

    kind: Kind
    key: str
    props: dict[str, Any]
    facets: dict[str, Any]
    rank: int = 0

    @property
    def uid(self) -> str:
        return uid(self.kind, self.key)


@dataclass(frozen=True, slots=True)
class InputRead:
    """A dataset the run read; `version` None when the event names none (see resolve)."""

    dataset: str
    version: str | None
    facets: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EventPlan:
    """Everything one RunEvent writes."""

    event_type: str | None
    event_time: datetime
    run: NodeUpdate
    job: NodeUpdate
    datasets: list[NodeUpdate]
    inputs: list[InputRead]
    outputs: list[NodeUpdate]
    commit: NodeUpdate | None


def parse_run_event(body: bytes) -> RunEventIn:
    """The validated event, or BadInputError naming the bad field."""
    try:
        return RunEventIn.model_validate_json(body)
    except ValidationError as e:
        raise _invalid(e, prefix=()) from e


def _invalid(error: ValidationError, *, prefix: tuple[str | int, ...]) -> BadInputError:
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        return BadInputError(f"body is not valid JSON: {first['msg']}", path=["body"])
    path = [*prefix, *first["loc"]]
    field = ".".join(str(p) for p in path) or "body"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return BadInputError(f"{field}: {first['msg']}{more}", path=path)


M = TypeVar("M", bound=_Open)


def _check_facets(
    facets: Facets | None, known: Mapping[str, type[_Open]], *, path: tuple[str | int, ...]
) -> dict[str, Any]:
    for name, model in known.items():
        value = (facets or {}).get(name)
        if value is not None and not value.get("_deleted"):
            try:
                model.model_validate(value)
            except ValidationError as e:
                raise _invalid(e, prefix=(*path, name)) from e
    return dict(facets or {})


def facet(facets: Mapping[str, Any], name: str, model: type[M]) -> M | None:
    """The facet `name` as model, or None when absent or not of that shape."""
    value = facets.get(name)
    if not isinstance(value, dict):
        return None
    try:
        return model.model_validate(value)
    except ValidationError:
        return None  # stored before this facet was validated: ignore rather than fail


def _key(value: str, *, path: list[str | int]) -> str:
    try:
        return check_key(value, path=path)
    except BadInputError as e:
        raise BadInputError(f"{'.'.join(map(str, path))}: {e}", path=path) from e


def entity_key(namespace: str, name: str, *, path: list[str | int]) -> str:
    """The catalog key of an OpenLineage job or dataset: its namespace/name, URL-quoted
    (both must be display names: no control, invisible or bidirectional characters)."""
    check_name(namespace, path=[*path[:-1], "namespace"])
    check_name(name, path=path)
    return _key(quote(f"{namespace}/{name}", safe=_KEY_SAFE), path=path)


def versioned(parent: str, version: str) -> str:
    """The key of a version of parent; the version is URL-quoted (it may hold any character)."""
    return f"{parent}@{quote(version, safe=_VERSION_SAFE)}"


def plan_event(event: RunEventIn) -> EventPlan:
    """The nodes and links one RunEvent writes, or BadInputError naming the bad field."""
    run_key = _key(event.run.runId, path=["run", "runId"])
    job_key = entity_key(event.job.namespace, event.job.name, path=["job", "name"])
    job_facets = _check_facets(event.job.facets, _JOB_FACETS, path=("job", "facets"))
    run_facets = _check_facets(event.run.facets, _RUN_FACETS, path=("run", "facets"))
    datasets: dict[str, NodeUpdate] = {}
    inputs: dict[str, InputRead] = {}
    outputs: dict[str, NodeUpdate] = {}
    for side, items in (("inputs", event.inputs or []), ("outputs", event.outputs or [])):
        for i, item in enumerate(items):
            path: tuple[str | int, ...] = (side, i)
            key = entity_key(item.namespace, item.name, path=[*path, "name"])
            facets = _check_facets(item.facets, _DATASET_FACETS, path=(*path, "facets"))
            seen = datasets.get(key)
            datasets[key] = NodeUpdate(
                Kind.DATASET,
                key,
                {"name": item.name, "namespace": item.namespace},
                {**(seen.facets if seen else {}), **facets},
            )
            version = facet(facets, "version", DatasetVersionFacet)
            given = str(version.datasetVersion) if version and version.datasetVersion else None
            per_version = {k: v for k, v in facets.items() if k in _VERSION_FACETS}
            if isinstance(item, OutputDatasetIn):
                where = (*path, "outputFacets")
                extra = _check_facets(item.outputFacets, _OUTPUT_FACETS, path=where)
                out = version_update(key, given or run_key, {**per_version, **extra}, rank=1)
                outputs[out.key] = out
            elif isinstance(item, InputDatasetIn):
                extra = dict(item.inputFacets or {})
                inputs.setdefault(key, InputRead(key, given, {**per_version, **extra}))
    event_time = event.eventTime
    if event_time.tzinfo is None:
        event_time = event_time.replace(tzinfo=UTC)  # OpenLineage requires an offset; assume UTC
    job_props = {"name": event.job.name, "namespace": event.job.namespace}
    return EventPlan(
        event_type=event.eventType,
        event_time=utc(event_time, path=["eventTime"]),
        run=NodeUpdate(Kind.RUN, run_key, {"job": job_key, "producer": event.producer}, run_facets),
        job=NodeUpdate(Kind.JOB, job_key, job_props, job_facets),
        datasets=list(datasets.values()),
        inputs=list(inputs.values()),
        outputs=list(outputs.values()),
        commit=_commit(job_facets),
    )


def version_update(dataset: str, version: str, facets: dict[str, Any], *, rank: int) -> NodeUpdate:
    """The version `version` of dataset, with the facets that describe it."""
    props = {"dataset": dataset, "version": version}
    return NodeUpdate(Kind.DATASET_VERSION, versioned(dataset, version), props, facets, rank)


def input_version(read: InputRead, version: str) -> NodeUpdate:
    """The version a run read, once resolved."""
    return version_update(read.dataset, version, read.facets, rank=0)


def _commit(job_facets: Mapping[str, Any]) -> NodeUpdate | None:
    location = facet(job_facets, "sourceCodeLocation", SourceCodeLocationFacet)
    repo_url = location and (location.repoUrl or location.url)
    if location is None or not location.version or not repo_url:
        return None
    path: list[str | int] = ["job", "facets", "sourceCodeLocation", "repoUrl"]
    repo = _key(quote(repo_url, safe=_KEY_SAFE), path=path)
    props = {"repo": repo, "sha": location.version, "url": repo_url}
    return NodeUpdate(Kind.CODE_COMMIT, versioned(repo, location.version), props, {})


def derived_props(kind: Kind, facets: Mapping[str, Any]) -> dict[str, Any]:
    """The properties of a node of `kind` that the catalog reads from its facets."""
    if kind is Kind.RUN:
        parent = facet(facets, "parent", ParentRunFacet)
        error = facet(facets, "errorMessage", ErrorMessageFacet)
        return {
            "parent_run": parent.run.runId if parent else None,
            "error": error.message if error else None,
        }
    if kind is Kind.JOB:
        docs = facet(facets, "documentation", DocumentationFacet)
        sql = facet(facets, "sql", SqlFacet)
        code = facets.get("sourceCodeLocation")
        return {
            "description": docs.description if docs else None,
            "sql": sql.query if sql else None,
            "source_code": _without_meta(code) if isinstance(code, dict) else None,
        }
    if kind is Kind.DATASET:
        docs = facet(facets, "documentation", DocumentationFacet)
        source = facet(facets, "dataSource", DataSourceFacet)
        owners = facets.get("ownership")
        return {
            "description": docs.description if docs else None,
            "platform": source.name if source else None,
            "location": source.uri if source else None,
            "ownership": _without_meta(owners) if isinstance(owners, dict) else None,
        }
    if kind is Kind.DATASET_VERSION:
        schema = facet(facets, "schema", SchemaFacet)
        columns = facets.get("columnLineage")
        stats = facet(facets, "outputStatistics", OutputStatisticsFacet)
        return {
            "schema": _flatten(schema.fields or [], prefix="") if schema else None,
            "column_lineage": _without_meta(columns) if isinstance(columns, dict) else None,
            "row_count": stats.rowCount if stats else None,
        }
    return {}


def _without_meta(facet: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def _flatten(fields: list[SchemaFieldFacet], *, prefix: str) -> list[dict[str, Any]]:
    # Nested (struct) fields become dotted names, the form GraphQL's schema list can show.
    flat: list[dict[str, Any]] = []
    for f in fields:
        name = prefix + f.name
        flat.append({"name": name, "type": f.type, "description": f.description})
        flat.extend(_flatten(f.fields or [], prefix=name + "."))
    return flat
