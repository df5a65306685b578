"""The write commands of the kinds more than one interface writes, built once: GraphQL
mutations and bulk rows translate their input into these calls, so keys, versions,
references and values are checked by the same code whichever way they came in.

`at` names an input field the way the caller's interface does (`input.rowCount` for
GraphQL, the column `row_count` for a bulk file), so an error points at what was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import (
    Kind,
    Rel,
    RunKind,
    RunStatus,
    check_key,
    split_uid,
    version_key,
)
from lineage_catalog.domain.rules import json_object, json_rows, schema_fields, utc
from lineage_catalog.services.incident_links import incident_refs
from lineage_catalog.services.registry import Ref, RegisterCommand, graphql_input, ref

Path = list[str | int]
At = Callable[[str], Path]
__all__ = ["At", "RunFailure", "column", "dataset_version", "feature", "graphql_input", "run"]


def column(name: str) -> Path:
    """A column of a bulk file."""
    return [name]


def _time(value: datetime | None, at: Path) -> datetime | None:
    return None if value is None else utc(value, path=at)


def dataset_version(
    *, dataset: str, version: str, content_hash: str | None = None, location: str | None = None,
    row_count: int | None = None, schema: Any = None, sample: Any = None,
    created_at: datetime | None = None, at: At,
) -> RegisterCommand:  # fmt: skip
    """A version of a dataset (key `<dataset>@<version>`), VERSION_OF the dataset."""
    dataset = check_key(dataset, path=at("dataset"))
    key = version_key(dataset, version, path=at("version"))
    if row_count is not None and row_count < 0:
        raise BadInputError("a row count cannot be negative", path=at("row_count"))
    props = {
        "version": version,
        "dataset": dataset,
        "content_hash": content_hash,
        "location": location,
        "row_count": row_count,
        "schema": schema_fields(schema, path=at("schema")),
        "sample": json_rows(sample, path=at("sample")),
        "created_at": _time(created_at, at("created_at")),
    }
    refs = [ref(at("dataset"), Rel.VERSION_OF, Kind.DATASET, dataset)]
    return RegisterCommand(Kind.DATASET_VERSION, key, props, refs)


def feature(
    *, key: str, name: str | None = None, description: str | None = None,
    dtype: str | None = None, tags: Sequence[str] | None = None, at: At,
) -> RegisterCommand:  # fmt: skip
    """A feature, by key."""
    key = check_key(key, path=at("key"))
    props = {"name": name, "description": description, "dtype": dtype,
             "tags": None if tags is None else list(tags)}  # fmt: skip
    return RegisterCommand(Kind.FEATURE, key, props)


@dataclass(frozen=True, slots=True)
class RunFailure:
    """Why a run failed: the props OpenLineage's errorMessage facet also gives
    (api/graphql/facets.run_error reads both)."""

    message: str
    programming_language: str | None = None
    stack_trace: str | None = None


def run(
    *, run_id: str, job: str, run_kind: RunKind, status: RunStatus,
    started_at: datetime | None = None, ended_at: datetime | None = None,
    parameters: Any = None, environment: Any = None, code_commit: str | None = None,
    triggered_by: str | None = None, used: Sequence[str] | None = None,
    generated: Sequence[str] | None = None, error: RunFailure | None = None,
    addresses: Sequence[str] | None = None, at: At,
) -> RegisterCommand:  # fmt: skip
    """A run of a job: its times, parameters, code and (when given) what it read and wrote;
    `used` and `generated` replace the lists recorded before; `error` says why a failed or
    aborted run failed; `addresses` names the incidents it addresses (replacing the list)."""
    key = check_key(run_id, path=at("run_id"))
    job = check_key(job, path=at("job"))
    started, ended = _time(started_at, at("started_at")), _time(ended_at, at("ended_at"))
    if started and ended and ended < started:
        raise BadInputError("the run ends before it starts", path=at("ended_at"))
    props = {
        "run_kind": run_kind.value,
        "status": status.value,
        "started_at": started,
        "ended_at": ended,
        "job": job,
        "parameters": json_object(parameters, path=at("parameters")),
        "environment": json_object(environment, path=at("environment")),
    }
    if error is not None:
        if status not in (RunStatus.FAILED, RunStatus.ABORTED):
            raise BadInputError("an error is for a FAILED or ABORTED run", path=at("error"))
        if not error.message.strip():
            raise BadInputError("an error needs a message", path=[*at("error"), "message"])
        props |= {"error": error.message, "error_language": error.programming_language,
                  "error_stack_trace": error.stack_trace}  # fmt: skip
    refs = [ref(at("job"), Rel.RUN_OF, Kind.JOB, job)]
    if code_commit:
        refs.append(ref(at("code_commit"), Rel.EXECUTED, Kind.CODE_COMMIT, code_commit))
    if triggered_by:
        refs.append(_id_ref(triggered_by, at("triggered_by"), Rel.TRIGGERED, outgoing=False))
    replace = set()
    for name, rel, ids in (("used", Rel.USED, used), ("generated", Rel.GENERATED, generated)):
        if ids is not None:
            replace.add(rel)
            refs += [_id_ref(v, [*at(name), i], rel) for i, v in enumerate(ids)]
    incidents = None if addresses is None else incident_refs(addresses, path=at("addresses"))
    return RegisterCommand(Kind.RUN, key, props, refs, frozenset(replace), addresses=incidents)


def _id_ref(value: str, path: Path, rel: Rel, *, outgoing: bool = True) -> Ref:
    kind, key = split_uid(value, path=path)
    return ref(path, rel, kind, key, outgoing=outgoing)


def links_of(command: RegisterCommand) -> list[tuple[Rel, str, str, str]]:
    """The command's links as (rel, source uid, target uid, the input field naming the far
    end), for writers that batch them (bulk loads)."""
    me = f"{command.kind.value}:{command.key}"
    found = []
    for r in command.refs:
        source, target = (me, r.target) if r.outgoing else (r.target, me)
        found.append((r.rel, source, target, ".".join(str(p) for p in r.path)))
    return found
