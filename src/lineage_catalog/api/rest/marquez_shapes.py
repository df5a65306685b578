"""Marquez's JSON shapes (docs/marquez-compat.md): the documented models of the answers of
api/rest/marquez.py, and the functions that build them from the store's rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lineage_catalog.auth.policy import VERSION_FACETS_OF_DATASET
from lineage_catalog.domain.model import Kind
from lineage_catalog.ingest.openlineage_facets import derived_props

# What each restricted property of a dataset version (auth/policy.RESTRICTED_PROPS) is in a
# Marquez answer: `fields` (the schema) and the version's `facets`; the sample has no
# Marquez field. A restricted property missing here withholds both (fail closed);
# tests/test_marquez_api.py checks that none is missing.
PARTS_OF_PROP: Mapping[str, frozenset[str]] = {
    "schema": frozenset({"fields"}),
    "facets": frozenset({"facets"}),
    "sample": frozenset(),
}
_EVERY_PART = frozenset({"fields", "facets"})
_STATES = {"running": "RUNNING", "completed": "COMPLETED", "failed": "FAILED",
           "aborted": "ABORTED"}  # fmt: skip
_EVENT_TYPES = {"RUNNING": "RUNNING", "COMPLETED": "COMPLETE", "FAILED": "FAIL",
                "ABORTED": "ABORT"}  # fmt: skip


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Namespace(_Open):
    name: str
    createdAt: datetime | None
    updatedAt: datetime | None
    ownerName: str | None
    description: str | None
    isHidden: bool = False


class NamespaceList(_Open):
    namespaces: list[Namespace]
    totalCount: int


class DatasetId(_Open):
    namespace: str
    name: str


class VersionId(DatasetId):
    version: str | None


class DatasetField(_Open):
    name: str
    type: str | None
    tags: list[str]
    description: str | None


class Run(_Open):
    id: str
    createdAt: datetime | None
    updatedAt: datetime | None
    nominalStartTime: datetime | None
    nominalEndTime: datetime | None
    state: Literal["NEW", "RUNNING", "COMPLETED", "FAILED", "ABORTED"]
    startedAt: datetime | None
    endedAt: datetime | None
    durationMs: int | None
    args: dict[str, Any]
    jobVersion: VersionId | None
    inputVersions: list[VersionId]
    outputVersions: list[VersionId]
    context: dict[str, Any]
    facets: dict[str, Any]


class RunList(_Open):
    runs: list[Run]
    totalCount: int


class RunFacets(_Open):
    runId: str
    facets: dict[str, Any]


class Dataset(_Open):
    id: DatasetId
    type: str
    name: str
    physicalName: str
    createdAt: datetime | None
    updatedAt: datetime | None
    namespace: str
    sourceName: str
    fields: list[DatasetField]
    tags: list[str]
    lastModifiedAt: datetime | None
    lastLifecycleState: str | None
    description: str | None
    facets: dict[str, Any]
    currentVersion: str | None
    deleted: bool


class DatasetList(_Open):
    datasets: list[Dataset]
    totalCount: int


class DatasetVersion(_Open):
    id: VersionId
    type: str
    name: str
    physicalName: str
    createdAt: datetime | None
    version: str
    namespace: str
    sourceName: str
    fields: list[DatasetField]
    tags: list[str]
    description: str | None
    createdByRun: Run | None
    facets: dict[str, Any]


class DatasetVersionList(_Open):
    versions: list[DatasetVersion]
    totalCount: int


class Job(_Open):
    id: DatasetId
    type: str
    name: str
    simpleName: str
    createdAt: datetime | None
    updatedAt: datetime | None
    namespace: str
    inputs: list[DatasetId]
    outputs: list[DatasetId]
    location: str | None
    description: str | None
    latestRun: Run | None
    facets: dict[str, Any]
    currentVersion: str | None


class JobList(_Open):
    jobs: list[Job]
    totalCount: int


class Edge(_Open):
    origin: str
    destination: str


class GraphNode(_Open):
    id: str
    type: Literal["DATASET", "JOB", "DATASET_FIELD"]
    data: dict[str, Any]
    inEdges: list[Edge]
    outEdges: list[Edge]


class LineageGraph(_Open):
    graph: list[GraphNode]


class SearchResult(_Open):
    type: Literal["DATASET", "JOB"]
    name: str
    updatedAt: datetime | None
    namespace: str
    nodeId: str


class SearchResultList(_Open):
    totalCount: int
    results: list[SearchResult]


class LineageEventList(_Open):
    events: list[dict[str, Any]] = Field(description="RunEvents rebuilt from the stored runs.")
    totalCount: int


def iso(value: Any) -> str | None:
    """A time as ISO 8601 in UTC with a Z, or None."""
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def json_object(raw: Any) -> dict[str, Any]:
    """A stored JSON map (a `<name>_json` property) as a dict; {} when absent."""
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {}


def node_id(kind: str, namespace: str, name: str) -> str:
    """Marquez's node id of a dataset or job: dataset:<namespace>:<name>."""
    return f"{'dataset' if kind == Kind.DATASET.value else 'job'}:{namespace}:{name}"


def _later(*values: Any) -> Any:
    times = [v for v in values if isinstance(v, datetime)]
    return max(times) if times else None


def withheld_parts(hidden: Iterable[str]) -> frozenset[str]:
    """The parts of a dataset answer ("fields", "facets") that the hidden properties
    withhold."""
    parts: set[str] = set()
    for prop in hidden:
        parts |= PARTS_OF_PROP.get(prop, _EVERY_PART)
    return frozenset(parts)


# columnLineage names the columns of its input datasets, whose schema may be restricted:
# it is served only by /api/v1/column-lineage, which judges each input dataset.
_SERVED_ELSEWHERE = frozenset({"columnLineage"})


def _facets(
    dataset: Mapping[str, Any], version: Mapping[str, Any] | None, withheld: frozenset[str]
) -> dict[str, Any]:
    # A Dataset's facets that describe a version are read on the version, under its rule
    # (as GraphQL's Dataset.facets): without a version they stand for it.
    own = dataset.get("facets") or {}
    facets = {k: v for k, v in own.items() if k not in VERSION_FACETS_OF_DATASET}
    if "facets" not in withheld:
        described = (version or {}).get("facets") if version else own
        facets.update({k: v for k, v in (described or {}).items()
                       if version or k in VERSION_FACETS_OF_DATASET})  # fmt: skip
    return {k: v for k, v in facets.items() if k not in _SERVED_ELSEWHERE}


def _fields(
    version: Mapping[str, Any] | None, dataset: Mapping[str, Any], withheld: frozenset[str]
) -> list[dict[str, Any]]:
    if "fields" in withheld:
        return []
    schema = (version or {}).get("schema")
    own = (dataset.get("facets") or {}).get("schema")
    if version is None and isinstance(own, dict):
        schema = derived_props(Kind.DATASET_VERSION, {"schema": own})["schema"]
    return [{"name": f["name"], "type": f.get("type"), "tags": [],
             "description": f.get("description")} for f in schema or []]  # fmt: skip


def dataset_json(row: Mapping[str, Any], *, hidden: frozenset[str]) -> dict[str, Any]:
    """A Marquez Dataset from a row of marquez/datasets (or lineage)."""
    d, version = row["dataset"], row.get("version")
    v = version or {}
    withheld = withheld_parts(hidden)
    facets = _facets(d, version, withheld)
    lifecycle = facets.get("lifecycleStateChange")
    return {
        "id": {"namespace": d["namespace"], "name": d["name"]},
        "type": "DB_TABLE",
        "name": d["name"],
        "physicalName": d["name"],
        "createdAt": iso(d.get("recorded_at")),
        "updatedAt": iso(_later(d.get("recorded_at"), v.get("recorded_at"), row.get("modified"))),
        "namespace": d["namespace"],
        "sourceName": d.get("platform") or d["namespace"],
        "fields": _fields(version, d, withheld),
        "tags": sorted({*row.get("tags", []), *(d.get("tags") or [])}),
        "lastModifiedAt": iso(row.get("modified")),
        "lastLifecycleState": lifecycle.get("lifecycleStateChange")
        if isinstance(lifecycle, dict)
        else None,
        "description": d.get("description"),
        "facets": facets,
        "currentVersion": v.get("version"),
        "deleted": False,
    }


def run_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Marquez Run from a run row ({run, job, inputs, outputs})."""
    r = row["run"]
    facets = r.get("facets") or {}
    nominal = facets.get("nominalTime")
    if not isinstance(nominal, dict):
        nominal = {}
    started, ended = r.get("started_at"), r.get("ended_at")
    duration = None
    if isinstance(started, datetime) and isinstance(ended, datetime):
        duration = int((ended - started).total_seconds() * 1000)
    job = row.get("job")
    return {
        "id": r["key"],
        "createdAt": iso(r.get("first_event_at") or r.get("recorded_at")),
        "updatedAt": iso(_later(r.get("recorded_at"), started, ended, r.get("first_event_at"))),
        "nominalStartTime": nominal.get("nominalStartTime"),
        "nominalEndTime": nominal.get("nominalEndTime"),
        "state": _STATES.get(r.get("status") or "", "NEW"),
        "startedAt": iso(started),
        "endedAt": iso(ended),
        "durationMs": duration,
        "args": {},
        "jobVersion": {**job, "version": None} if job and job.get("namespace") else None,
        "inputVersions": row.get("inputs", []),
        "outputVersions": row.get("outputs", []),
        "context": {},
        "facets": facets,
    }


def namespace_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Marquez Namespace: the catalog records no owner or description for a namespace."""
    return {"name": row["name"], "createdAt": iso(row.get("created_at")),
            "updatedAt": iso(row.get("updated_at")), "ownerName": None, "description": None,
            "isHidden": False}  # fmt: skip


def version_json(
    dataset: Mapping[str, Any], row: Mapping[str, Any], *, hidden: frozenset[str]
) -> dict[str, Any]:
    """A Marquez DatasetVersion from the dataset's properties and a marquez/dataset_versions row."""
    v = row["version"]
    withheld = withheld_parts(hidden)
    run = row.get("run")
    return {
        "id": {"namespace": dataset["namespace"], "name": dataset["name"], "version": v["version"]},
        "type": "DB_TABLE",
        "name": dataset["name"],
        "physicalName": dataset["name"],
        "createdAt": iso(v.get("recorded_at")),
        "version": v["version"],
        "namespace": dataset["namespace"],
        "sourceName": dataset.get("platform") or dataset["namespace"],
        "fields": _fields(v, dataset, withheld),
        "tags": sorted(dataset.get("tags") or []),
        "description": dataset.get("description"),
        "createdByRun": run_json(run) if run else None,
        "facets": _facets(dataset, v, withheld),
    }


def job_json(row: Mapping[str, Any], *, inputs: list[Any] | None = None,
             outputs: list[Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """A Marquez Job from a row of marquez/jobs (or lineage, with its edges' datasets)."""
    j = row["job"]
    code = j.get("source_code") or {}
    latest = row.get("latest")
    return {
        "id": {"namespace": j["namespace"], "name": j["name"]},
        "type": "BATCH",
        "name": j["name"],
        "simpleName": j["name"].rsplit(".", 1)[-1],
        "createdAt": iso(j.get("recorded_at")),
        "updatedAt": iso(
            _later(j.get("recorded_at"), (latest or {}).get("run", {}).get("recorded_at"))
        ),
        "namespace": j["namespace"],
        "inputs": row.get("inputs", []) if inputs is None else inputs,
        "outputs": row.get("outputs", []) if outputs is None else outputs,
        "location": code.get("url") or code.get("repoUrl") if isinstance(code, dict) else None,
        "description": j.get("description"),
        "latestRun": run_json(latest) if latest else None,
        "facets": j.get("facets") or {},
        "currentVersion": None,
    }


def lineage_graph(
    found: Mapping[str, Any], *, hidden: Mapping[str, frozenset[str]]
) -> dict[str, Any]:
    """Marquez's lineage graph: a node per dataset and job, each with its in and out edges."""
    ids: dict[str, str] = {}
    for d in found["datasets"]:
        ids[d["uid"]] = node_id(Kind.DATASET.value, d["dataset"]["namespace"], d["dataset"]["name"])
    for j in found["jobs"]:
        ids[j["uid"]] = node_id(Kind.JOB.value, j["job"]["namespace"], j["job"]["name"])
    edges_in: dict[str, list[dict[str, str]]] = {uid: [] for uid in ids}
    edges_out: dict[str, list[dict[str, str]]] = {uid: [] for uid in ids}
    io: dict[str, dict[str, list[dict[str, str]]]] = {j["uid"]: {"in": [], "out": []}
                                                      for j in found["jobs"]}  # fmt: skip
    by_uid = {d["uid"]: d["dataset"] for d in found["datasets"]}
    for e in found["edges"]:
        origin, destination = (e["job"], e["dataset"]) if e["output"] else (e["dataset"], e["job"])
        edge = {"origin": ids[origin], "destination": ids[destination]}
        edges_out[origin].append(edge)
        edges_in[destination].append(edge)
        dataset = by_uid[e["dataset"]]
        io[e["job"]]["out" if e["output"] else "in"].append(
            {"namespace": dataset["namespace"], "name": dataset["name"]}
        )
    nodes: list[tuple[str, str, dict[str, Any]]] = []
    for d in found["datasets"]:
        data = dataset_json(d, hidden=hidden.get(d["version_uid"] or d["uid"], frozenset()))
        nodes.append((d["uid"], "DATASET", data))
    for j in found["jobs"]:
        data = job_json(j, inputs=io[j["uid"]]["in"], outputs=io[j["uid"]]["out"])
        nodes.append((j["uid"], "JOB", data))
    graph: list[dict[str, Any]] = []
    for uid, kind, data in nodes:
        ins = sorted(edges_in[uid], key=_edge_order)
        outs = sorted(edges_out[uid], key=_edge_order)
        graph.append({"id": ids[uid], "type": kind, "data": data, "inEdges": ins, "outEdges": outs})
    return {"graph": sorted(graph, key=lambda n: n["id"])}


def _edge_order(edge: dict[str, str]) -> tuple[str, str]:
    return edge["origin"], edge["destination"]


def search_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Marquez SearchResult."""
    kind = "DATASET" if row["kind"] == Kind.DATASET.value else "JOB"
    return {"type": kind, "name": row["name"], "updatedAt": iso(row.get("updated_at")),
            "namespace": row["namespace"],
            "nodeId": node_id(row["kind"], row["namespace"], row["name"])}  # fmt: skip


def event_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A RunEvent rebuilt from a stored run: its latest state, its run and job facets, and the
    datasets it read and wrote by name (their facets are served by the dataset routes, which
    apply the clearance rule)."""
    run = run_json(row)
    job = row["job"]
    event_type = _EVENT_TYPES.get(run["state"], "OTHER")
    if run["state"] == "RUNNING" and row["run"].get("started_at") == row["at"]:
        event_type = "START"

    def dataset(ref: Mapping[str, Any]) -> dict[str, Any]:
        return {"namespace": ref["namespace"], "name": ref["name"], "facets": {}}

    return {
        "eventType": event_type,
        "eventTime": iso(row["at"]),
        "producer": row["run"].get("producer"),
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run["id"], "facets": run["facets"]},
        "job": {"namespace": job["namespace"], "name": job["name"],
                "facets": job.get("facets") or {}},
        "inputs": [dataset(i) for i in row.get("inputs", [])],
        "outputs": [dataset(o) for o in row.get("outputs", [])],
    }  # fmt: skip


def column_lineage_graph(
    dataset: Mapping[str, Any],
    facet: Mapping[str, Any] | None,
    *,
    field: str | None,
    readable: Mapping[tuple[str, str], bool],
) -> dict[str, Any]:
    """Marquez's column-lineage graph of one dataset version's `columnLineage` facet: a
    DATASET_FIELD node per column (or the one asked for) and per input field it names, with
    the edges input -> column. Input fields of a dataset whose schema the caller may not
    read (readable[(namespace, name)] False) are left out."""
    ns, name = dataset["namespace"], dataset["name"]
    schema = {f["name"]: f.get("type") for f in dataset.get("fields") or []}
    nodes: dict[str, dict[str, Any]] = {}

    def node(namespace: str, ds: str, column: str, kind: str | None) -> dict[str, Any]:
        key = f"datasetField:{namespace}:{ds}:{column}"
        return nodes.setdefault(key, {
            "id": key, "type": "DATASET_FIELD",
            "data": {"namespace": namespace, "dataset": ds, "datasetVersion": None,
                     "field": column, "fieldType": kind, "transformationDescription": None,
                     "transformationType": None, "inputFields": []},
            "inEdges": [], "outEdges": []})  # fmt: skip

    fields = (facet or {}).get("fields") or {}
    for column, spec in sorted(fields.items()):
        if (field is not None and column != field) or not isinstance(spec, dict):
            continue
        target = node(ns, name, column, schema.get(column))
        target["data"]["datasetVersion"] = dataset.get("currentVersion")
        for given in spec.get("inputFields") or []:
            source_ns, source = str(given.get("namespace")), str(given.get("name"))
            if not readable.get((source_ns, source), False):
                continue
            transforms = given.get("transformations") or [{}]
            first = transforms[0] if isinstance(transforms[0], dict) else {}
            source_node = node(source_ns, source, str(given.get("field")), None)
            edge = {"origin": source_node["id"], "destination": target["id"]}
            source_node["outEdges"].append(edge)
            target["inEdges"].append(edge)
            target["data"]["inputFields"].append({
                "namespace": source_ns, "dataset": source, "field": given.get("field"),
                "transformationDescription": first.get("description"),
                "transformationType": first.get("type")})  # fmt: skip
    return {"graph": sorted(nodes.values(), key=lambda n: n["id"])}
