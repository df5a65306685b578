"""What /openapi.json says of the REST endpoints: their bodies, answers and token.

Documentation only: the routes read their raw bodies and build their answers themselves;
these pieces describe exactly that, so schema-driven clients and fuzzers can use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from fastapi import Security
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field, RootModel
from pydantic.json_schema import SkipJsonSchema

from lineage_catalog.ingest.arrow import LoadKind
from lineage_catalog.ingest.openlineage import (
    DatasetEventIn,
    EventKind,
    JobEventIn,
    RunEventIn,
)

# The known facets' shapes are the mapper's own tables: the document follows them.
from lineage_catalog.ingest.openlineage_facets import (
    DATASET_FACETS,
    INPUT_FACETS,
    JOB_FACETS,
    OUTPUT_FACETS,
    RUN_FACETS,
)
from lineage_catalog.services.openlineage_events import MAX_BATCH_EVENTS

# Only the document reads it: auto_error=False never refuses, rest_principal decides.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="An API token of the catalog (`issueToken`, or the first admin's from "
    "`./scripts/run`): `Authorization: Bearer <token>`. Not checked when the server runs "
    "with LINEAGE_AUTH_ENABLED=false (a local demo: every caller is an anonymous admin).",
)
TOKEN = [Security(BEARER)]


class Error(BaseModel):
    """An error answer: why, and (from most paths) the error code GraphQL gives too."""

    error: str
    code: str | SkipJsonSchema[None] = Field(
        default=None, description="BAD_USER_INPUT, NOT_FOUND, UNAVAILABLE, …"
    )


class Refusal(BaseModel):
    """A request refused before its handler ran, with the error code."""

    error: str
    code: str = Field(description="UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED or UNAVAILABLE")


class FieldError(BaseModel):
    """A refused OpenLineage event: why, and the field at fault (dotted path)."""

    error: str
    field: str = Field(description='e.g. "run.runId", "inputs.0.name", "body"')
    code: str = Field(description="BAD_USER_INPUT")


class Reject(BaseModel):
    """A row of a bulk load that did not land."""

    row: int = Field(ge=1, description="1-based row number in the file")
    field: str | None = Field(description="the column at fault, when one is")
    code: str = Field(description="BAD_USER_INPUT, or FORBIDDEN for a role the caller lacks")
    reason: str


class LoadAnswer(BaseModel):
    """What a bulk load did: rows read, rows that landed, and the first rejects."""

    kind: LoadKind
    rows: int
    loaded: int
    rejected: int
    rejects: list[Reject] = Field(max_length=1000, description="at most the first 1000")


class EventRecorded(BaseModel):
    """What a RunEvent left in the catalog: keys of the run, its job and the versions."""

    run: str
    job: str
    status: str | None = Field(description="the run's status after the event")
    inputs: list[str]
    outputs: list[str]


class DatasetRecorded(BaseModel):
    """What a DatasetEvent left: the dataset's key, and the version its `version` facet
    names (null without one)."""

    dataset: str
    version: str | None


class JobRecorded(BaseModel):
    """What a JobEvent left: the job's key and the keys of the datasets it declares."""

    job: str
    inputs: list[str]
    outputs: list[str]


class Recorded(RootModel[EventRecorded | DatasetRecorded | JobRecorded]):
    """What an event left: a RunEvent's run, a DatasetEvent's dataset or a JobEvent's job."""


class BatchSummary(BaseModel):
    """How many events a batch held, landed and failed (retriable or not)."""

    received: int
    successful: int
    failed: int
    retriable: int
    non_retriable: int


class FailedEvent(BaseModel):
    """An event of a batch that did not land; nothing of it is stored."""

    index: int = Field(ge=0, description="0-based position in the array")
    reason: str = Field(description="why, with the field at fault for a bad event")
    retriable: bool = Field(
        description="true when sending it again may succeed (Neo4j unavailable, out of time)"
    )


class BatchAnswer(BaseModel):
    """A batch that did not land whole: `partial_success` when some events landed,
    `failure` when none did."""

    status: Literal["partial_success", "failure"]
    summary: BatchSummary
    failed_events: list[FailedEvent]


class Alive(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    database: str


class NotReady(BaseModel):
    status: Literal["unavailable"]
    reason: str


def token_refusals(role: str) -> dict[int | str, dict[str, Any]]:
    """The answers of a route that needs `role`, given before its handler runs."""
    return {
        401: {
            "model": Refusal,
            "description": "No valid token: missing, unknown, revoked, expired, or its "
            "account disabled (UNAUTHENTICATED).",
            "headers": {"WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}}},
        },
        403: {
            "model": Refusal,
            "description": f"The token's account lacks the {role} role (FORBIDDEN).",
        },
        429: {
            "model": Refusal,
            "description": "Too many requests from this principal, or before sign-in from "
            "this address (RATE_LIMITED).",
            "headers": {
                "Retry-After": {
                    "schema": {"type": "integer", "minimum": 1},
                    "description": "seconds",
                }
            },
        },
        503: {
            "model": Error,
            "description": "Neo4j is unavailable (while checking the token, or while "
            "handling the request); the client may retry.",
        },
    }


TIMED_OUT: dict[int | str, dict[str, Any]] = {
    504: {
        "model": Error,
        "description": "The request ran out of its time (settings.request_timeout_s); the "
        "database cancelled what it ran, so nothing was written (TIMEOUT).",
    }
}


# Every content type is read alike: the format is told by the body's first bytes.
BULK_MEDIA_TYPES = (
    "application/vnd.apache.arrow.stream",
    "application/vnd.apache.arrow.file",
    "application/vnd.apache.parquet",
    "application/octet-stream",
)
_BINARY = {"type": "string", "format": "binary"}
BULK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The rows, as an Arrow IPC stream, an Arrow IPC file or a Parquet "
        "file, with the columns of the kind (docs/bulk-load.md). The format is detected "
        "from the body's first bytes (`PAR1`: Parquet, `ARROW1`: Arrow IPC file, else an "
        "Arrow IPC stream); the Content-Type header is not checked. At most 512 MiB.",
        "content": {t: {"schema": dict(_BINARY)} for t in BULK_MEDIA_TYPES},
    }
}

_DELETED = {
    "type": "object",
    "description": "A facet removed by its producer: not validated, removed from the node.",
    "properties": {"_deleted": {"const": True}},
    "required": ["_deleted"],
}
_MAX_INLINE_DEPTH = 3  # a schema facet's nested fields, documented this deep


def _inline(node: Any, defs: Mapping[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """A pydantic JSON schema with its `$defs` inlined (an operation's body cannot refer to
    them) and without its generated titles; a recursive one (nested schema fields) is cut
    to an open object."""
    if isinstance(node, list):
        return [_inline(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        if seen.count(name) >= _MAX_INLINE_DEPTH:
            return {"type": "object"}
        return _inline(defs[name], defs, (*seen, name))
    inlined = {}
    for key, value in node.items():
        if key == "properties":  # field names, not keywords: a field may be called "title"
            inlined[key] = {name: _inline(v, defs, seen) for name, v in value.items()}
        elif key not in ("$defs", "title"):
            inlined[key] = _inline(value, defs, seen)
    return inlined


def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    inlined: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    return inlined


def _facets(known: Mapping[str, type[BaseModel]], what: str) -> dict[str, Any]:
    """A facets object: the facets the catalog reads with their shapes, any other kept."""
    return {
        "anyOf": [
            {
                "type": "object",
                "description": f"{what}; facets the catalog does not read are stored as they came.",
                "properties": {
                    name: {"anyOf": [_model_schema(model), _DELETED]}
                    for name, model in known.items()
                },
                "additionalProperties": {"type": "object"},
            },
            {"type": "null"},
        ]
    }


def run_event_schema() -> dict[str, Any]:
    """The OpenLineage RunEvent as the mapper reads it (ingest/openlineage.py): its models'
    required fields, the known facets' shapes, and any other field or facet allowed."""
    schema = _model_schema(RunEventIn)
    props = schema["properties"]
    props["run"]["properties"]["facets"] = _facets(RUN_FACETS, "Run facets")
    _job_and_datasets(props)
    _event_time(props)
    props["run"]["properties"]["runId"]["description"] = "the run's key in the catalog"
    schema["description"] = (
        "One OpenLineage RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json). "
        "Names become keys `<namespace>/<name>`, URL-quoted, of at most 200 characters "
        "(docs/openlineage.md); fields and facets of newer spec versions are accepted."
    )
    return schema


def dataset_event_schema() -> dict[str, Any]:
    """The OpenLineage DatasetEvent as the mapper reads it."""
    schema = _model_schema(DatasetEventIn)
    props = schema["properties"]
    props["dataset"]["properties"]["facets"] = _facets(DATASET_FACETS, "Dataset facets")
    _event_time(props)
    schema["description"] = (
        "One OpenLineage DatasetEvent: a dataset's facets, with no run. With a `version` "
        "facet it also records that version of the dataset."
    )
    return schema


def job_event_schema() -> dict[str, Any]:
    """The OpenLineage JobEvent as the mapper reads it."""
    schema = _model_schema(JobEventIn)
    _job_and_datasets(schema["properties"])
    _event_time(schema["properties"])
    schema["description"] = (
        "One OpenLineage JobEvent: a job's facets and the datasets it declares as inputs "
        "and outputs, with no run."
    )
    return schema


def _job_and_datasets(props: dict[str, Any]) -> None:
    props["job"]["properties"]["facets"] = _facets(JOB_FACETS, "Job facets")
    inputs = props["inputs"]["anyOf"][0]["items"]["properties"]
    inputs["facets"] = _facets(DATASET_FACETS, "Dataset facets")
    inputs["inputFacets"] = _facets(INPUT_FACETS, "Input dataset facets")
    outputs = props["outputs"]["anyOf"][0]["items"]["properties"]
    outputs["facets"] = _facets(DATASET_FACETS, "Dataset facets")
    outputs["outputFacets"] = _facets(OUTPUT_FACETS, "Output dataset facets")


def _event_time(props: dict[str, Any]) -> None:
    props["eventTime"]["description"] = (
        "ISO 8601; without an offset it is taken as UTC. Its UTC instant must fall within "
        "years 1 to 9999."
    )


def _named(kind: EventKind) -> dict[str, Any]:
    return {"required": ["schemaURL"],
            "properties": {"schemaURL": {"type": "string", "pattern": f"/{kind}$"}}}  # fmt: skip


def _told(kind: EventKind, *, shape: list[str]) -> dict[str, Any]:
    """How the mapper tells `kind` (ingest.openlineage.event_kind): the schemaURL names it,
    or names no other kind and the body has none of `shape`'s fields."""
    others: list[EventKind] = [k for k in get_args(EventKind) if k != kind]
    return {
        "anyOf": [
            _named(kind),
            {"not": {"anyOf": [_named(o) for o in others] + [{"required": [f]} for f in shape]}},
        ]
    }


def event_schema() -> dict[str, Any]:
    """Any of the three events, told apart as the mapper tells them."""
    others: list[EventKind] = ["DatasetEvent", "JobEvent"]
    return {
        "description": "One OpenLineage event (spec 2-0-2): a RunEvent, DatasetEvent or "
        "JobEvent. The kind is the one schemaURL's `#/$defs/<kind>` names; without one, a "
        "body with `run` or `eventType` is a RunEvent, else one with `dataset` a "
        "DatasetEvent, else one with `job` a JobEvent.",
        "anyOf": [
            {"allOf": [run_event_schema(), {"not": {"anyOf": [_named(k) for k in others]}}]},
            {"allOf": [dataset_event_schema(), _told("DatasetEvent", shape=["run", "eventType"])]},
            {
                "allOf": [
                    job_event_schema(),
                    _told("JobEvent", shape=["run", "eventType", "dataset"]),
                ]
            },
        ],
    }


EVENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One event as JSON, at most 16 MiB; `Content-Encoding: gzip` (the "
        "Python client's `compression: gzip`) is accepted. The Content-Type header is not "
        "checked.",
        "content": {"application/json": {"schema": event_schema()}},
    }
}
BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": f"A JSON array of events of any kind, at most {MAX_BATCH_EVENTS} "
        "events and 64 MiB (each event at most 16 MiB); `Content-Encoding: gzip` is "
        "accepted. Each event is stored in its own transaction, in the array's order.",
        "content": {
            "application/json": {
                "schema": {"type": "array", "maxItems": MAX_BATCH_EVENTS, "items": event_schema()}
            }
        },
    }
}
RECORDED: dict[str, Any] = {
    "model": Recorded,
    "description": "The event is stored: a RunEvent's run, job, status and versions, a "
    "DatasetEvent's dataset and version, or a JobEvent's job and declared datasets.",
}
