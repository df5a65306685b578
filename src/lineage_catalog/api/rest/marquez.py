"""Marquez's read API (docs/marquez-compat.md): namespaces, datasets and their versions, jobs
and their runs, lineage, column lineage, search and lineage events, in Marquez's JSON
shapes, so the Marquez web UI and marquez-python read the catalog. Reads need the reader
role; a restricted schema is withheld by the rule GraphQL applies (auth/policy.py)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from lineage_catalog.api.auth import rest_principal
from lineage_catalog.api.rest import marquez_shapes as shapes
from lineage_catalog.api.rest.errors import error_response
from lineage_catalog.api.rest.openapi import TIMED_OUT, TOKEN, Error, token_refusals
from lineage_catalog.auth.policy import cleared, restricted_props
from lineage_catalog.domain.auth import Principal, Role
from lineage_catalog.domain.errors import BadInputError, CatalogError, NotFoundError
from lineage_catalog.domain.model import Kind, uid
from lineage_catalog.domain.rules import utc
from lineage_catalog.ingest.openlineage import entity_key
from lineage_catalog.store import audit, marquez, nodes
from lineage_catalog.store.graph import deadline

router = APIRouter(tags=["marquez"])
Reader = Annotated[Principal, rest_principal(Role.READER)]
# Neo4j takes 32-bit integers for SKIP and LIMIT (offset + page included): a billion is
# beyond any page anyone turns to.
MAX_OFFSET = 1_000_000_000
Limit = Annotated[
    int, Query(ge=1, le=MAX_OFFSET, description="Items per page (at most settings.max_page_size).")
]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]
NamespaceName = Annotated[str, Path(description="An OpenLineage namespace, e.g. food_delivery.")]
DatasetName = Annotated[str, Path(description="A dataset's name within its namespace.")]
JobName = Annotated[str, Path(description="A job's name within its namespace.")]
NodeIdParam = Annotated[str, Query(alias="nodeId", description="dataset:<namespace>:<name> or "
                                   "job:<namespace>:<name>.")]  # fmt: skip
Depth = Annotated[int, Query(ge=0, le=20, description="Edges from the node, at most 20 "
                             "(and settings.max_traversal_depth).")]  # fmt: skip
_MARQUEZ_KIND = {"dataset": Kind.DATASET, "job": Kind.JOB}


def _documented(model: type[BaseModel], *, not_found: str | None = None) -> dict[str, Any]:
    answers: dict[int | str, dict[str, Any]] = {
        200: {"model": model, "description": "The answer, in Marquez's shape."},
        400: {"model": Error, "description": "A name that cannot be a key, or a bad nodeId "
              "(BAD_USER_INPUT)."},
        **token_refusals("reader"),
        **TIMED_OUT,
    }  # fmt: skip
    if not_found:
        answers[404] = {"model": Error, "description": f"{not_found} (NOT_FOUND)."}
    return {"dependencies": TOKEN, "responses": answers}


async def _answer(request: Request, work: Callable[[], Awaitable[Any]]) -> Response:
    try:
        with deadline(request.app.state.settings.request_timeout_s):
            return JSONResponse(await work())
    except CatalogError as e:
        return error_response(e)


def _page(request: Request, limit: int) -> int:
    return min(limit, int(request.app.state.settings.max_page_size))


def _prefix(namespace: str) -> str:
    # Keys quote "<namespace>/<name>" character by character (ingest.openlineage.entity_key),
    # so every dataset or job of the namespace has the key of a one-character name, less it.
    return entity_key(namespace, "_", path=["namespace"])[:-1]


async def _withheld(
    request: Request, caller: Principal, holders: list[tuple[str, str]]
) -> dict[str, frozenset[str]]:
    """For each (target, policy uid) of a dataset's schema, the restricted properties the
    caller may not read, by target, under the rule every interface uses: the properties
    auth/policy.restricted_props names, when the node or its parent has a restricted
    classification the caller is not cleared for. Each restricted read goes to the access
    log, granted or not (one statement for the lookup, one write for the log)."""
    wanted = [(target, of) for target, of in holders if restricted_props(of)]
    if not wanted:
        return {}
    graph = request.app.state.graph
    found = await nodes.restricted_classifications(graph, uids=sorted({t for t, _ in wanted}))
    hidden: dict[str, frozenset[str]] = {}
    reads: list[dict[str, Any]] = []
    for target, of in wanted:
        restricted = frozenset(found.get(target, []))
        if not restricted:
            continue
        granted = cleared(caller, restricted)
        props = restricted_props(of)
        reads += [{"actor": caller.uid, "request_id": request.state.request_id, "target": target,
                   "field": f"marquez.{p}", "granted": granted} for p in props]  # fmt: skip
        if not granted:
            hidden[target] = frozenset(props)
    if reads:
        await audit.log_access(graph, reads=reads)
    return hidden


def _holder(row: dict[str, Any]) -> tuple[str, str]:
    # A dataset's schema is its current version's; without a version, the dataset's own
    # facets stand for it, judged as a version of that dataset would be.
    if row.get("version_uid"):
        return row["version_uid"], row["version_uid"]
    return row["uid"], uid(Kind.DATASET_VERSION, row["dataset"].get("key") or row["uid"])


async def _datasets(
    request: Request, caller: Principal, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    holders = [_holder(r) for r in rows]
    hidden = await _withheld(request, caller, holders)
    return [shapes.dataset_json(r, hidden=hidden.get(h[0], frozenset()))
            for r, h in zip(rows, holders, strict=True)]  # fmt: skip


@router.get("/api/v1/namespaces", **_documented(shapes.NamespaceList))
async def list_namespaces(
    request: Request, caller: Reader, limit: Limit = 100, offset: Offset = 0
) -> Response:
    """The namespaces of OpenLineage datasets and jobs, by name (reader role)."""

    async def work() -> Any:
        graph = request.app.state.graph
        found = await marquez.namespaces(graph, name=None, offset=offset,
                                         limit=_page(request, limit))  # fmt: skip
        return {"namespaces": [shapes.namespace_json(r) for r in found.rows],
                "totalCount": found.total}  # fmt: skip

    return await _answer(request, work)


@router.get(
    "/api/v1/namespaces/{namespace:path}/datasets/{dataset:path}/versions",
    **_documented(shapes.DatasetVersionList, not_found="No such dataset"),
)
async def list_dataset_versions(
    request: Request, caller: Reader, namespace: NamespaceName, dataset: DatasetName,
    limit: Limit = 100, offset: Offset = 0,
) -> Response:  # fmt: skip
    """The versions of a dataset, newest first (reader role)."""

    async def work() -> Any:
        key = entity_key(namespace, dataset, path=["dataset"])
        found = await marquez.dataset_versions(
            request.app.state.graph, dataset=uid(Kind.DATASET, key), offset=offset,
            limit=_page(request, limit))  # fmt: skip
        if found is None:
            raise NotFoundError(f"no dataset {dataset!r} in namespace {namespace!r}")
        props, versions = found
        hidden = await _withheld(request, caller, [(r["uid"], r["uid"]) for r in versions.rows])
        return {"versions": [shapes.version_json(props, r, hidden=hidden.get(r["uid"],
                                                 frozenset())) for r in versions.rows],
                "totalCount": versions.total}  # fmt: skip

    return await _answer(request, work)


@router.get(
    "/api/v1/namespaces/{namespace:path}/datasets/{dataset:path}",
    **_documented(shapes.Dataset, not_found="No such dataset"),
)
async def get_dataset(
    request: Request, caller: Reader, namespace: NamespaceName, dataset: DatasetName
) -> Response:
    """One dataset with its current version's fields and facets (reader role)."""

    async def work() -> Any:
        found = await marquez.datasets(request.app.state.graph, namespace=namespace,
                                       prefix=_prefix(namespace), name=dataset, offset=0,
                                       limit=1)  # fmt: skip
        if not found.rows:
            raise NotFoundError(f"no dataset {dataset!r} in namespace {namespace!r}")
        (answer,) = await _datasets(request, caller, found.rows)
        return answer

    return await _answer(request, work)


@router.get("/api/v1/namespaces/{namespace:path}/datasets", **_documented(shapes.DatasetList))
async def list_datasets(
    request: Request, caller: Reader, namespace: NamespaceName,
    limit: Limit = 100, offset: Offset = 0,
) -> Response:  # fmt: skip
    """The datasets of a namespace, by name (reader role)."""

    async def work() -> Any:
        found = await marquez.datasets(request.app.state.graph, namespace=namespace,
                                       prefix=_prefix(namespace), name=None, offset=offset,
                                       limit=_page(request, limit))  # fmt: skip
        return {"datasets": await _datasets(request, caller, found.rows),
                "totalCount": found.total}  # fmt: skip

    return await _answer(request, work)


@router.get(
    "/api/v1/namespaces/{namespace:path}/jobs/{job:path}/runs",
    **_documented(shapes.RunList, not_found="No such job"),
)
async def list_runs(
    request: Request, caller: Reader, namespace: NamespaceName, job: JobName,
    limit: Limit = 100, offset: Offset = 0,
) -> Response:  # fmt: skip
    """The runs of a job, newest start first (reader role)."""

    async def work() -> Any:
        key = entity_key(namespace, job, path=["job"])
        found = await marquez.job_runs(request.app.state.graph, job=uid(Kind.JOB, key),
                                       offset=offset, limit=_page(request, limit))  # fmt: skip
        if found is None:
            raise NotFoundError(f"no job {job!r} in namespace {namespace!r}")
        return {"runs": [shapes.run_json(r) for r in found.rows], "totalCount": found.total}

    return await _answer(request, work)


@router.get(
    "/api/v1/namespaces/{namespace:path}/jobs/{job:path}",
    **_documented(shapes.Job, not_found="No such job"),
)
async def get_job(
    request: Request, caller: Reader, namespace: NamespaceName, job: JobName
) -> Response:
    """One job with its inputs, outputs and latest run (reader role)."""

    async def work() -> Any:
        found = await marquez.jobs(request.app.state.graph, namespace=namespace,
                                   prefix=_prefix(namespace), name=job, offset=0,
                                   limit=1)  # fmt: skip
        if not found.rows:
            raise NotFoundError(f"no job {job!r} in namespace {namespace!r}")
        return shapes.job_json(found.rows[0])

    return await _answer(request, work)


@router.get("/api/v1/namespaces/{namespace:path}/jobs", **_documented(shapes.JobList))
async def list_jobs(
    request: Request, caller: Reader, namespace: NamespaceName,
    limit: Limit = 100, offset: Offset = 0,
) -> Response:  # fmt: skip
    """The jobs of a namespace, by name (reader role)."""

    async def work() -> Any:
        found = await marquez.jobs(request.app.state.graph, namespace=namespace,
                                   prefix=_prefix(namespace), name=None, offset=offset,
                                   limit=_page(request, limit))  # fmt: skip
        return {"jobs": [shapes.job_json(r) for r in found.rows], "totalCount": found.total}

    return await _answer(request, work)


@router.get(
    "/api/v1/namespaces/{namespace:path}",
    **_documented(shapes.Namespace, not_found="No dataset or job has this namespace"),
)
async def get_namespace(request: Request, caller: Reader, namespace: NamespaceName) -> Response:
    """One namespace (reader role)."""

    async def work() -> Any:
        found = await marquez.namespaces(request.app.state.graph, name=namespace, offset=0,
                                         limit=1)  # fmt: skip
        if not found.rows:
            raise NotFoundError(f"no dataset or job has the namespace {namespace!r}")
        return shapes.namespace_json(found.rows[0])

    return await _answer(request, work)


@router.get("/api/v1/jobs/runs/{id}", **_documented(shapes.Run, not_found="No such run"))
async def get_run(
    request: Request, caller: Reader, id: Annotated[str, Path(description="The runId.")]
) -> Response:
    """One run: state, times, facets, the versions it read and wrote (reader role)."""

    async def work() -> Any:
        found = await marquez.run(request.app.state.graph, run=uid(Kind.RUN, id))
        if found is None:
            raise NotFoundError(f"no run {id!r}")
        return shapes.run_json(found)

    return await _answer(request, work)


class FacetType(StrEnum):
    RUN = "run"
    JOB = "job"


@router.get(
    "/api/v1/jobs/runs/{id}/facets", **_documented(shapes.RunFacets, not_found="No such run")
)
async def get_run_facets(
    request: Request, caller: Reader, id: Annotated[str, Path(description="The runId.")],
    type: Annotated[FacetType, Query(description="The run's facets or its job's.")] = FacetType.RUN,
) -> Response:  # fmt: skip
    """The facets of a run, or of its job, as stored (reader role)."""

    async def work() -> Any:
        found = await marquez.run(request.app.state.graph, run=uid(Kind.RUN, id))
        if found is None:
            raise NotFoundError(f"no run {id!r}")
        if type is FacetType.JOB:
            facets = shapes.json_object(found.get("job_facets"))
        else:
            facets = found["run"].get("facets") or {}
        return {"runId": id, "facets": facets}

    return await _answer(request, work)


def marquez_split(rest: str) -> list[tuple[str, str]]:
    """The (namespace, name) readings of "<namespace>:<name>", Marquez's first: at the first
    colon that does not start "://" or a port; then at every other colon, left to right."""
    colons = [m.start() for m in re.finditer(":", rest)]
    preferred = [i for i in colons if not re.match(r"//|\d", rest[i + 1 :])]
    order = preferred[:1] + [i for i in colons if i not in preferred[:1]]
    return [(rest[:i], rest[i + 1 :]) for i in order if 0 < i < len(rest) - 1]


async def _node(request: Request, node_id: str) -> tuple[Kind, str, str, str]:
    """The kind, uid, namespace and name of the dataset or job a Marquez node id names (one
    lookup: a namespace may hold colons, so every reading is tried, Marquez's first)."""
    prefix, _, rest = node_id.partition(":")
    kind = _MARQUEZ_KIND.get(prefix)
    if kind is None or not rest:
        raise BadInputError("nodeId must be dataset:<namespace>:<name> or job:<namespace>:<name>",
                            path=["nodeId"])  # fmt: skip
    candidates: list[tuple[str, str, str]] = []
    for namespace, name in marquez_split(rest):
        try:
            candidates.append((uid(kind, entity_key(namespace, name, path=["nodeId"])),
                               namespace, name))  # fmt: skip
        except BadInputError:
            continue
    found = await nodes.nodes_by_uid(request.app.state.graph, uids=[c[0] for c in candidates])
    for candidate, namespace, name in candidates:
        if candidate in found:
            return kind, candidate, namespace, name
    raise NotFoundError(f"no {prefix} {rest!r}")


@router.get(
    "/api/v1/lineage", **_documented(shapes.LineageGraph, not_found="No such dataset or job")
)
async def get_lineage(
    request: Request, caller: Reader, node_id: NodeIdParam, depth: Depth = 20
) -> Response:
    """The datasets and jobs within depth edges of a dataset or job (reader role)."""

    async def work() -> Any:
        _, start, _, _ = await _node(request, node_id)
        limit = min(depth, int(request.app.state.settings.max_traversal_depth))
        found = await marquez.lineage(request.app.state.graph, start=start, depth=limit)
        if found is None:
            raise NotFoundError(f"no dataset or job {node_id!r}")
        holders = [_holder(d) for d in found["datasets"]]
        hidden = await _withheld(request, caller, holders)
        return shapes.lineage_graph(found, hidden=hidden)

    return await _answer(request, work)


@router.get(
    "/api/v1/column-lineage",
    **_documented(shapes.LineageGraph, not_found="No such dataset or job"),
)
async def get_column_lineage(
    request: Request, caller: Reader,
    node_id: Annotated[str, Query(alias="nodeId", description="dataset:<namespace>:<name>, "
                                  "datasetField:<namespace>:<name>:<field> or job:….")],
    depth: Depth = 20,
    with_downstream: Annotated[bool, Query(alias="withDownstream",
                                           description="Not served: always upstream.")] = False,
) -> Response:  # fmt: skip
    """The stored columnLineage facet of a dataset's current version, one level: its columns
    (or one) with the input fields each is computed from; {"graph": []} for a job or when
    none is stored (reader role)."""

    async def work() -> Any:
        field = None
        given = node_id
        if node_id.startswith("datasetField:"):
            given, _, field = node_id.removeprefix("datasetField:").rpartition(":")
            given = f"dataset:{given}"
        kind, _, namespace, name = await _node(request, given)
        if kind is Kind.JOB:
            return {"graph": []}
        found = await marquez.datasets(request.app.state.graph, namespace=namespace,
                                       prefix=_prefix(namespace), name=name, offset=0,
                                       limit=1)  # fmt: skip
        return await _column_graph(request, caller, found.rows, field)

    return await _answer(request, work)


async def _column_graph(
    request: Request, caller: Principal, rows: list[dict[str, Any]], field: str | None
) -> dict[str, Any]:
    if not rows:
        return {"graph": []}
    row = rows[0]
    facet = ((row.get("version") or {}).get("facets") or {}).get("columnLineage")
    facet = facet if isinstance(facet, dict) else {}
    sources: dict[tuple[str, str], tuple[str, str]] = {}
    for spec in (facet.get("fields") or {}).values():
        for given in (spec.get("inputFields") or []) if isinstance(spec, dict) else []:
            ref = (str(given.get("namespace")), str(given.get("name")))
            try:
                key = entity_key(*ref, path=["columnLineage"])
            except BadInputError:
                continue  # stored before names were checked: not a dataset the catalog has
            sources[ref] = (uid(Kind.DATASET, key), uid(Kind.DATASET_VERSION, key))
    holder = _holder(row)
    hidden = await _withheld(request, caller, [holder, *sources.values()])
    if holder[0] in hidden:
        return {"graph": []}  # the columns are the schema the caller may not read
    readable = {ref: held[0] not in hidden for ref, held in sources.items()}
    dataset = shapes.dataset_json(row, hidden=frozenset())
    return shapes.column_lineage_graph(dataset, facet, field=field, readable=readable)


class SearchFilter(StrEnum):
    DATASET = "DATASET"
    JOB = "JOB"


class SearchSort(StrEnum):
    NAME = "NAME"
    UPDATE_AT = "UPDATE_AT"


def like_pattern(q: str) -> str:
    """Marquez's pattern as a regular expression: the text anywhere in the name, any case,
    `%` any run of characters, `_` any one; every other character literal."""
    parts = {"%": ".*", "_": "."}
    body = "".join(parts.get(c) or (c if c.isalnum() else "\\" + c) for c in q)
    return f"(?is).*{body}.*"


@router.get("/api/v1/search", **_documented(shapes.SearchResultList))
async def search(
    request: Request, caller: Reader,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="Text in the name; % "
                            "matches any characters, _ one.")],
    filter: Annotated[SearchFilter | None, Query(description="DATASET or JOB.")] = None,
    sort: Annotated[SearchSort, Query(description="NAME or UPDATE_AT.")] = SearchSort.NAME,
    limit: Annotated[int, Query(ge=1, description="At most settings.max_search_results.")] = 10,
) -> Response:  # fmt: skip
    """OpenLineage datasets and jobs whose name matches q (reader role)."""

    async def work() -> Any:
        kinds = [Kind.DATASET, Kind.JOB] if filter is None else [Kind(filter.value.title())]
        cap = min(limit, int(request.app.state.settings.max_search_results))
        found = await marquez.search(request.app.state.graph, pattern=like_pattern(q),
                                     kinds=kinds, by_time=sort is SearchSort.UPDATE_AT,
                                     limit=cap)  # fmt: skip
        return {"totalCount": found.total, "results": [shapes.search_json(r) for r in found.rows]}

    return await _answer(request, work)


class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


@router.get("/api/v1/events/lineage", **_documented(shapes.LineageEventList))
async def list_lineage_events(
    request: Request, caller: Reader,
    after: Annotated[datetime | None, Query(description="Events at or after (ISO 8601).")] = None,
    before: Annotated[datetime | None, Query(description="Events at or before.")] = None,
    sort_direction: Annotated[SortDirection, Query(alias="sortDirection")] = SortDirection.DESC,
    limit: Limit = 100, offset: Offset = 0,
) -> Response:  # fmt: skip
    """One RunEvent per run, rebuilt from what is stored (reader role)."""

    async def work() -> Any:
        # In UTC, and within what the database can hold: the rule every write obeys.
        since = None if after is None else utc(after, path=["after"])
        until = None if before is None else utc(before, path=["before"])
        found = await marquez.lineage_events(
            request.app.state.graph, after=since, before=until,
            ascending=sort_direction is SortDirection.ASC, offset=offset,
            limit=_page(request, limit))  # fmt: skip
        return {"events": [shapes.event_json(r) for r in found.rows], "totalCount": found.total}

    return await _answer(request, work)
