"""What OpenLineage facets hold beyond the properties read from them: a run's error and
nominal time, a job's source code location, every node's producer. Read from the node's
stored `facets` (docs/openlineage.md, "What is served"); null when a facet is absent or not
of the spec's shape."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import strawberry


@strawberry.type(description="Why a run failed: OpenLineage's errorMessage run facet.")
class RunError:
    message: str | None = strawberry.field(description="The error message.")
    programming_language: str | None = strawberry.field(
        description="The language the failing code is written in, e.g. python or JAVA."
    )
    stack_trace: str | None = strawberry.field(
        description="The stack trace as the producer reported it, if it did."
    )


@strawberry.type(
    description="Where a job's code lives: OpenLineage's sourceCodeLocation job facet."
)
class SourceCodeLocation:
    type: str | None = strawberry.field(description="The version control system, e.g. git.")
    url: str | None = strawberry.field(description="A URL of the code at this version.")
    repo_url: str | None = strawberry.field(description="The repository's URL.")
    path: str | None = strawberry.field(description="The file's path in the repository.")
    version: str | None = strawberry.field(description="The revision, e.g. a commit hash.")
    tag: str | None = strawberry.field(description="The tag of that revision, if any.")
    branch: str | None = strawberry.field(description="The branch, if any.")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _facet(props: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    facets = props.get("facets")
    found = facets.get(name) if isinstance(facets, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def run_error(props: Mapping[str, Any]) -> RunError | None:
    """The run's error: its `error` property (the facet's message) and the facet's
    programmingLanguage and stackTrace; None when the run reported none."""
    facet = _facet(props, "errorMessage")
    message = _text(props.get("error")) or _text(facet.get("message"))
    # recordRun's `error` stores these two as props; OpenLineage keeps them in the facet.
    language = _text(props.get("error_language")) or _text(facet.get("programmingLanguage"))
    trace = _text(props.get("error_stack_trace")) or _text(facet.get("stackTrace"))
    if message is None and language is None and trace is None:
        return None
    return RunError(message=message, programming_language=language, stack_trace=trace)


def nominal_time(props: Mapping[str, Any], end: bool) -> datetime | None:
    """The nominalTime facet's nominalStartTime (or, with end, nominalEndTime), in UTC."""
    value = _text(_facet(props, "nominalTime").get("nominalEndTime" if end else "nominalStartTime"))
    if value is None:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None  # stored as it came; a malformed time is no time
    # In UTC, as every time the API serves; without an offset it is taken as UTC, as
    # eventTime is.
    return found.astimezone(UTC) if found.tzinfo else found.replace(tzinfo=UTC)


def source_code_location(props: Mapping[str, Any]) -> SourceCodeLocation | None:
    """The job's `source_code` property (its sourceCodeLocation facet), typed."""
    code = props.get("source_code")
    if not isinstance(code, Mapping):
        code = _facet(props, "sourceCodeLocation")
    if not code:
        return None
    fields = ("type", "url", "repoUrl", "path", "version", "tag", "branch")
    values = {name: _text(code.get(name)) for name in fields}
    return SourceCodeLocation(
        type=values["type"], url=values["url"], repo_url=values["repoUrl"], path=values["path"],
        version=values["version"], tag=values["tag"], branch=values["branch"],
    )  # fmt: skip


def producer(props: Mapping[str, Any]) -> str | None:
    """Who reported the node: its `producer` property (a run: its latest event's), else the
    `_producer` of its most recently reported facet (by the facets' stamps)."""
    given = _text(props.get("producer"))
    if given is not None:
        return given
    facets = props.get("facets")
    stamps = props.get("facet_stamps")
    if not isinstance(facets, Mapping):
        return None
    marks = stamps if isinstance(stamps, Mapping) else {}
    reported = [
        (str(marks.get(name, "")), name, f["_producer"])
        for name, f in facets.items()
        if isinstance(f, Mapping) and isinstance(f.get("_producer"), str)
    ]
    return max(reported)[2] if reported else None
