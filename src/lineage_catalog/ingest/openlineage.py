"""OpenLineage events (RunEvent, DatasetEvent, JobEvent): validated, then mapped to the
catalog's nodes and links.

Pure: no web framework and no Neo4j here (services/openlineage.py writes the plan).
docs/openlineage.md describes the mapping.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import Field, ValidationError

from lineage_catalog.domain.errors import BadInputError, PayloadTooLargeError
from lineage_catalog.domain.model import Kind, check_key, check_name, uid
from lineage_catalog.domain.rules import utc
from lineage_catalog.ingest.openlineage_facets import (
    DATASET_FACETS,
    INPUT_FACETS,
    JOB_FACETS,
    OUTPUT_FACETS,
    RUN_FACETS,
    VERSION_FACETS,
    DatasetVersionFacet,
    SourceCodeLocationFacet,
    _Open,
    facet,
)
from lineage_catalog.ingest.openlineage_quality import DatasetQuality, check_metrics, quality_of

Facets = dict[str, dict[str, Any]]
_KEY_SAFE = "._:/+-"
_VERSION_SAFE = "._+-"


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


class _EventIn(_Open):
    eventTime: Annotated[datetime, Field(strict=True)]
    producer: str = Field(min_length=1)
    schemaURL: str | None = None


class RunEventIn(_EventIn):
    """An OpenLineage RunEvent as received."""

    eventType: Literal["START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER"] | None = None
    run: RunIn
    job: JobIn
    inputs: list[InputDatasetIn] | None = None
    outputs: list[OutputDatasetIn] | None = None


class DatasetEventIn(_EventIn):
    """An OpenLineage DatasetEvent: a dataset's static metadata, with no run."""

    dataset: _DatasetIn


class JobEventIn(_EventIn):
    """An OpenLineage JobEvent: a job's static metadata and declared datasets, with no run."""

    job: JobIn
    inputs: list[InputDatasetIn] | None = None
    outputs: list[OutputDatasetIn] | None = None


EventIn = RunEventIn | DatasetEventIn | JobEventIn
EventKind = Literal["RunEvent", "DatasetEvent", "JobEvent"]
EVENT_MODELS: dict[EventKind, type[_EventIn]] = {
    "RunEvent": RunEventIn,
    "DatasetEvent": DatasetEventIn,
    "JobEvent": JobEventIn,
}


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
    # Data-quality metrics and checks per dataset (docs/openlineage.md, "Data quality").
    quality: tuple[DatasetQuality, ...] = ()


@dataclass(frozen=True, slots=True)
class DatasetPlan:
    """Everything one DatasetEvent writes: the dataset, and the version its `version` facet
    names (none without one: there is no run to name it after)."""

    event_time: datetime
    dataset: NodeUpdate
    version: NodeUpdate | None


@dataclass(frozen=True, slots=True)
class JobPlan:
    """Everything one JobEvent writes: the job with its declared inputs and outputs, and
    those datasets."""

    event_time: datetime
    job: NodeUpdate
    datasets: list[NodeUpdate]
    declared: dict[str, list[dict[str, Any]]]


Plan = EventPlan | DatasetPlan | JobPlan


def event_kind(event: Mapping[str, Any]) -> EventKind:
    """Which event a JSON object is: its schemaURL's `#/$defs/<kind>` when it names one, else
    its shape (`run` or `eventType`: a RunEvent; `dataset`: a DatasetEvent; `job`: a JobEvent;
    anything else is read as a RunEvent, whose errors name what is missing)."""
    url = event.get("schemaURL")
    if isinstance(url, str):
        named = url.rpartition("/")[2]
        if named in EVENT_MODELS:
            return named
    if "run" in event or "eventType" in event:
        return "RunEvent"
    if "dataset" in event:
        return "DatasetEvent"
    return "JobEvent" if "job" in event else "RunEvent"


def parse_event(body: bytes) -> EventIn:
    """The validated event of any kind, or BadInputError naming the bad field."""
    try:
        found = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadInputError(f"body is not valid JSON: {e}", path=["body"]) from e
    if not isinstance(found, dict):
        raise BadInputError("body: one event, a JSON object, is expected", path=["body"])
    return _validate(event_kind(found), body, prefix=())


def parse_event_object(event: Any, *, max_bytes: int) -> EventIn:
    """One event of a batch, already decoded from JSON, of at most `max_bytes` as JSON."""
    if not isinstance(event, dict):
        raise BadInputError("body: an event must be a JSON object", path=["body"])
    # Validated from JSON text, so that times are read as the single endpoint reads them.
    text = json.dumps(event, ensure_ascii=False).encode()
    if len(text) > max_bytes:
        raise PayloadTooLargeError(f"event larger than {max_bytes // (1024 * 1024)} MiB")
    return _validate(event_kind(event), text, prefix=())


def parse_run_event(body: bytes) -> RunEventIn:
    """The validated RunEvent, or BadInputError naming the bad field."""
    event = _validate("RunEvent", body, prefix=())
    assert isinstance(event, RunEventIn)
    return event


def _validate(kind: EventKind, body: bytes, *, prefix: tuple[str | int, ...]) -> EventIn:
    try:
        event = EVENT_MODELS[kind].model_validate_json(body)
    except ValidationError as e:
        raise _invalid(e, prefix=prefix) from e
    assert isinstance(event, RunEventIn | DatasetEventIn | JobEventIn)
    return event


def _dotted(path: tuple[str | int, ...] | list[str | int]) -> str:
    return ".".join(str(p) for p in path) or "body"


def _invalid(error: ValidationError, *, prefix: tuple[str | int, ...]) -> BadInputError:
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        return BadInputError(f"body is not valid JSON: {first['msg']}", path=["body"])
    path = [*prefix, *first["loc"]]
    field = _dotted(path)
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return BadInputError(f"{field}: {first['msg']}{more}", path=path)


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


def plan(event: EventIn) -> Plan:
    """What an event of any kind writes, or BadInputError naming the bad field."""
    if isinstance(event, DatasetEventIn):
        return plan_dataset_event(event)
    if isinstance(event, JobEventIn):
        return plan_job_event(event)
    return plan_event(event)


def plan_event(event: RunEventIn) -> EventPlan:
    """The nodes and links one RunEvent writes, or BadInputError naming the bad field."""
    run_key = _key(event.run.runId, path=["run", "runId"])
    job_key = entity_key(event.job.namespace, event.job.name, path=["job", "name"])
    job_facets = _check_facets(event.job.facets, JOB_FACETS, path=("job", "facets"))
    run_facets = _check_facets(event.run.facets, RUN_FACETS, path=("run", "facets"))
    datasets: dict[str, NodeUpdate] = {}
    inputs: dict[str, InputRead] = {}
    outputs: dict[str, NodeUpdate] = {}
    for side, items in (("inputs", event.inputs or []), ("outputs", event.outputs or [])):
        for i, item in enumerate(items):
            path: tuple[str | int, ...] = (side, i)
            key, facets, extra = _dataset(item, datasets, path=path)
            version = facet(facets, "version", DatasetVersionFacet)
            given = str(version.datasetVersion) if version and version.datasetVersion else None
            per_version = {k: v for k, v in facets.items() if k in VERSION_FACETS}
            if isinstance(item, OutputDatasetIn):
                out = version_update(key, given or run_key, {**per_version, **extra}, rank=1)
                outputs[out.key] = out
            elif isinstance(item, InputDatasetIn):
                check_metrics(item.inputFacets, path=(*path, "inputFacets"))
                inputs.setdefault(key, InputRead(key, given, {**per_version, **extra}))
    job_props = {"name": event.job.name, "namespace": event.job.namespace}
    return EventPlan(
        event_type=event.eventType,
        event_time=_event_time(event),
        run=NodeUpdate(Kind.RUN, run_key, {"job": job_key, "producer": event.producer}, run_facets),
        job=NodeUpdate(Kind.JOB, job_key, job_props, job_facets),
        datasets=list(datasets.values()),
        inputs=list(inputs.values()),
        outputs=list(outputs.values()),
        commit=_commit(job_facets),
        quality=_quality(list(inputs.values()), list(outputs.values()), run_facets),
    )


def _quality(
    inputs: list[InputRead], outputs: list[NodeUpdate], run_facets: Mapping[str, Any]
) -> tuple[DatasetQuality, ...]:
    """What the event reports of each dataset's quality: an input's facets, and the run's
    tests, which are about what it read (or, reading nothing, what it wrote)."""
    found = [
        quality_of(r.facets, run_facets, dataset=r.dataset, with_tests=True,
                   version=versioned(r.dataset, r.version) if r.version is not None else None)
        for r in inputs
    ]  # fmt: skip
    if not inputs:
        found += [
            quality_of({}, run_facets, dataset=o.props["dataset"], version=o.key,
                       with_tests=True)
            for o in outputs
        ]  # fmt: skip
    return tuple(q for q in found if q is not None)


def plan_dataset_event(event: DatasetEventIn) -> DatasetPlan:
    """The dataset (and the version its `version` facet names) one DatasetEvent writes."""
    datasets: dict[str, NodeUpdate] = {}
    key, facets, _ = _dataset(event.dataset, datasets, path=("dataset",))
    version = facet(facets, "version", DatasetVersionFacet)
    given = str(version.datasetVersion) if version and version.datasetVersion else None
    per_version = {k: v for k, v in facets.items() if k in VERSION_FACETS}
    # The dataset's own declaration of a version outranks a reader's view, like a writer's.
    named = version_update(key, given, per_version, rank=1) if given else None
    return DatasetPlan(event_time=_event_time(event), dataset=datasets[key], version=named)


def plan_job_event(event: JobEventIn) -> JobPlan:
    """The job, its declared inputs and outputs, and those datasets, of one JobEvent."""
    job_key = entity_key(event.job.namespace, event.job.name, path=["job", "name"])
    job_facets = _check_facets(event.job.facets, JOB_FACETS, path=("job", "facets"))
    datasets: dict[str, NodeUpdate] = {}
    declared: dict[str, list[dict[str, Any]]] = {"inputs": [], "outputs": []}
    for side, items in (("inputs", event.inputs or []), ("outputs", event.outputs or [])):
        for i, item in enumerate(items):
            key, _, extra = _dataset(item, datasets, path=(side, i))
            if isinstance(item, InputDatasetIn):  # checked as a RunEvent's, though kept only
                check_metrics(item.inputFacets, path=(side, i, "inputFacets"))
            declared[side].append({"dataset": key, **({"facets": extra} if extra else {})})
    job_props = {"name": event.job.name, "namespace": event.job.namespace}
    return JobPlan(
        event_time=_event_time(event),
        job=NodeUpdate(Kind.JOB, job_key, job_props, job_facets),
        datasets=list(datasets.values()),
        declared=declared,
    )


def _dataset(
    item: _DatasetIn, datasets: dict[str, NodeUpdate], *, path: tuple[str | int, ...]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The dataset's key, its checked facets and its checked input or output facets; its
    Dataset update is merged into `datasets` (a dataset named twice in an event once)."""
    key = entity_key(item.namespace, item.name, path=[*path, "name"])
    facets = _check_facets(item.facets, DATASET_FACETS, path=(*path, "facets"))
    seen = datasets.get(key)
    datasets[key] = NodeUpdate(
        Kind.DATASET,
        key,
        {"name": item.name, "namespace": item.namespace},
        {**(seen.facets if seen else {}), **facets},
    )
    extra: dict[str, Any] = {}
    if isinstance(item, OutputDatasetIn):
        extra = _check_facets(item.outputFacets, OUTPUT_FACETS, path=(*path, "outputFacets"))
    elif isinstance(item, InputDatasetIn):
        extra = _check_facets(item.inputFacets, INPUT_FACETS, path=(*path, "inputFacets"))
    return key, facets, extra


def _event_time(event: _EventIn) -> datetime:
    event_time = event.eventTime
    if event_time.tzinfo is None:
        event_time = event_time.replace(tzinfo=UTC)  # OpenLineage requires an offset; assume UTC
    return utc(event_time, path=["eventTime"])


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
