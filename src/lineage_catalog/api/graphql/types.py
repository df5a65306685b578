"""GraphQL node types. Each wraps a stored NodeRecord; nested fields go through loaders."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.base import StrawberryOptional

from lineage_catalog.api.graphql import facets as stored
from lineage_catalog.api.graphql.arguments import After, AsOf, First
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.facets import RunError, SourceCodeLocation
from lineage_catalog.api.graphql.pagination import (
    Connection,
    connection,
    decode_cursor,
    page_size,
    selects,
)
from lineage_catalog.auth.policy import VERSION_FACETS_OF_DATASET, cleared, restricted_props
from lineage_catalog.auth.token_cache import WHEN_REFUSED
from lineage_catalog.domain.model import (
    NAMED_BY_PROPERTY,
    VERSION_PARENT,
    Kind,
    Neighbor,
    NodeRecord,
    Rel,
)
from lineage_catalog.store.nodes import PageLayout

if TYPE_CHECKING:
    from lineage_catalog.api.graphql.column_types import Column

_PROP = "stored_property"
_Column = Annotated["Column", strawberry.lazy("lineage_catalog.api.graphql.column_types")]


def prop(name: str, description: str) -> Any:
    """A field holding the node's stored property `name`, filled in by `to_type`.

    A plain data field, not a resolver: graphql-core reads it as an attribute, without the
    per-field resolver call and Info object (a 10k-node answer has 100k such fields)."""
    return strawberry.field(default=None, description=description, metadata={_PROP: name})


@strawberry.interface(
    description="Any catalog node: an entity, activity, agent, deployment or classification. "
    "Its `id` is `<Kind>:<key>` and unique in the catalog."
)
class CatalogNode:
    id: strawberry.ID = strawberry.field(
        description="The node's id, `<Kind>:<key>` (e.g. `DatasetVersion:loans-raw@2026-09-01`); "
        "what `node(id)`, lineage arguments and edges use."
    )
    key: str = strawberry.field(
        description="The node's key, unique within its kind and human-readable; a version's "
        "key is `<parent key>@<version>`."
    )
    record: strawberry.Private[NodeRecord]
    kind: str = strawberry.field(default="", description="The node's kind, e.g. DatasetVersion.")
    recorded_at: datetime | None = strawberry.field(
        default=None,
        description="When the catalog first recorded this node.",
        metadata={_PROP: "recorded_at"},
    )

    @strawberry.field(
        description="Who reported the node: for a run, the `producer` of its latest "
        "OpenLineage event; for anything else, the `_producer` of its most recently reported "
        "facet. Null for a node no OpenLineage event described."
    )
    def producer(self) -> str | None:
        return stored.producer(self.record.props)

    @strawberry.field(
        description="The node's OpenLineage facets as stored, a JSON object by facet name "
        "(merged over its events, newest report of each facet winning), for what has no "
        "field of its own; null when none were reported. A dataset version's are restricted "
        "like its `schema`, which they hold; a dataset's leave out the facets that describe "
        "a version (schema, columnLineage, version): read them on the version."
    )
    async def facets(self, info: Info[Context, None]) -> JSON | None:
        return await raw_facets(info, self.record)  # type: ignore[no-any-return]


Owner = Annotated[
    "Person | Team | ServiceAccount",
    strawberry.union("Owner", description="An agent: a person, a team or a service account."),
]


@strawberry.type(
    description="An agent owning a thing, with a role, over [since, until). On a dataset or "
    "model version the owners are its own and those of its parent (dataset, model), marked "
    "by `inherited`; on anything else only its own."
)
class Ownership:
    role: str | None = strawberry.field(
        description="technical_owner, business_owner or steward (see OwnerRole)."
    )
    since: datetime | None = strawberry.field(
        description="When the ownership began (inclusive); null: since the catalog knows it."
    )
    until: datetime | None = strawberry.field(
        description="When it ended (exclusive); null: it still holds."
    )
    inherited: bool = strawberry.field(
        description="False: the ownership is on the thing asked about (`target` is that "
        "thing). True: it is on the thing's parent over VERSION_OF (`target` is the Dataset "
        "or Model), which the version inherits."
    )
    owner_record: strawberry.Private[NodeRecord]
    target_record: strawberry.Private[NodeRecord]

    @strawberry.field(description="Who owns it: a person, a team or a service account.")
    def owner(self) -> Owner:
        return to_type(self.owner_record)  # type: ignore[return-value]

    @strawberry.field(
        description="The node the ownership is on: the thing asked about, or its parent "
        "when `inherited`."
    )
    def target(self) -> CatalogNode:
        return to_type(self.target_record)

    @staticmethod
    def from_edge(
        *, owner: NodeRecord, target: NodeRecord, edge: dict[str, Any], inherited: bool = False
    ) -> Ownership:
        return Ownership(
            role=edge.get("role"),
            since=edge.get("valid_from"),
            until=edge.get("valid_to"),
            inherited=inherited,
            owner_record=owner,
            target_record=target,
        )


async def _neighbors(
    info: Info[Context, None],
    node: NodeRecord,
    rel: Rel,
    *,
    outgoing: bool,
    kind: Kind | None = None,
    current: bool = False,
    as_of: datetime | None = None,
) -> list[Neighbor]:
    loader = info.context.loaders.neighbors(
        rel, outgoing=outgoing, kind=kind, current=current, as_of=as_of
    )
    return await loader.load(node.uid)


async def _nodes(
    info: Info[Context, None],
    node: NodeRecord,
    rel: Rel,
    *,
    outgoing: bool,
    kind: Kind | None = None,
) -> list[CatalogNode]:
    return [
        to_type(n.node) for n in await _neighbors(info, node, rel, outgoing=outgoing, kind=kind)
    ]


async def _one(
    info: Info[Context, None],
    node: NodeRecord,
    rel: Rel,
    *,
    outgoing: bool,
    kind: Kind | None = None,
) -> Any:
    found = await _nodes(info, node, rel, outgoing=outgoing, kind=kind)
    return found[0] if found else None


async def _named(info: Info[Context, None], record: NodeRecord, prop: str) -> Any:
    """The node `record` names by `prop` (NAMED_BY_PROPERTY), or None."""
    named = record.named(prop)
    if named is None:
        return None
    found = await info.context.loaders.node.load(named)
    return to_type(found) if found else None


async def owners_of(
    info: Info[Context, None], target: NodeRecord, as_of: datetime | None = None
) -> list[Ownership]:
    """Owners now (or as of a time) by the rule of `questions.owners_of`: the thing's own
    and, for a version, its parent's (dataset, model), marked inherited."""
    loaders = info.context.loaders
    owners = loaders.owners(as_of)
    records = {target.uid: target}
    parent_prop = VERSION_PARENT.get(target.kind)
    parent_uid = target.named(parent_prop) if parent_prop else None
    if parent_uid is not None:
        # The parent and the owners together: one round for every owner of a trace, not two.
        parent, found = await asyncio.gather(loaders.node.load(parent_uid), owners.load(target.uid))
        if parent is not None:
            records[parent_uid] = parent
    else:
        found = await owners.load(target.uid)
    # A holder that is not the parent named in the version's properties: only when the
    # VERSION_OF link and the property disagree, which writes never do.
    missing = [o.holder for o in found if o.holder not in records]
    for record in await loaders.node.load_many(missing) if missing else []:
        if record is not None:
            records[record.uid] = record
    return [
        Ownership.from_edge(
            owner=o.owner, target=records[o.holder], edge=o.edge, inherited=o.inherited
        )
        for o in found
        if o.holder in records
    ]


async def may_read(
    info: Info[Context, None], target: str, prop: str, *, logged_as: str | None = None
) -> bool:
    """Whether the caller may read property `prop` of the node `target`: always, unless the
    property is restricted (auth/policy.RESTRICTED_PROPS) and the node or its parent has a
    restricted classification the caller is not cleared for. Each read of a restricted
    value is written to the access log (as `logged_as`, default `prop`), granted or not."""
    if prop not in restricted_props(target):
        return True
    restricted = await info.context.loaders.restrictions.load(target)
    if not restricted:
        return True
    granted = cleared(info.context.principal, restricted)
    await info.context.loaders.access_log.load((target, logged_as or prop, granted))
    return granted


async def raw_facets(info: Info[Context, None], node: NodeRecord) -> Any:
    """The node's stored facets, through the one restriction rule (`may_read`)."""
    found = node.props.get("facets")
    if not isinstance(found, dict) or not await may_read(info, node.uid, "facets"):
        return None
    if node.kind == Kind.DATASET:
        return {k: v for k, v in found.items() if k not in VERSION_FACETS_OF_DATASET}
    return found


async def classifications_of(info: Info[Context, None], node: NodeRecord) -> list[Classification]:
    """Classifications set on the node itself (propagation along lineage is a separate query)."""
    found = await _neighbors(info, node, Rel.CLASSIFIED_AS, outgoing=True)
    return [Classification.from_node(n.node) for n in found]


@strawberry.type(
    description="A person: an owner, a commit author, a run's trigger and, with an account, a "
    "caller of the API. Key: the email address, lower case."
)
class Person(CatalogNode):
    """A person (key: email address)."""

    name: str | None = prop("name", "Full name.")
    handle: str | None = prop("handle", "A short user name (e.g. the email's local part).")
    active: bool | None = prop(
        "active",
        "False once the person's account is disabled (disableAccount): their tokens are "
        f"{WHEN_REFUSED}. Null for a person recorded without an account.",
    )

    @strawberry.field(description="Teams the person is a member of (MEMBER_OF).")
    async def teams(self, info: Info[Context, None]) -> list[Team]:
        return await _nodes(info, self.record, Rel.MEMBER_OF, outgoing=True)  # type: ignore[return-value]

    @strawberry.field(
        description="What this person owns now, directly (not through a team); `ownedBy` answers "
        "at a time and with teams."
    )
    async def owns(self, info: Info[Context, None]) -> list[Ownership]:
        found = await _neighbors(info, self.record, Rel.OWNS, outgoing=True, current=True)
        return [Ownership.from_edge(owner=self.record, target=n.node, edge=n.edge) for n in found]


@strawberry.type(description="A team of people that owns things. Key: a slug, e.g. risk-ml.")
class Team(CatalogNode):
    name: str | None = prop("name", "Display name, e.g. Risk ML.")
    description: str | None = prop("description", "What the team does.")

    @strawberry.field(description="People who are members of the team.")
    async def members(self, info: Info[Context, None]) -> list[Person]:
        return await _nodes(info, self.record, Rel.MEMBER_OF, outgoing=False)  # type: ignore[return-value]

    @strawberry.field(description="What this team owns now (its own ownerships, not its members').")
    async def owns(self, info: Info[Context, None]) -> list[Ownership]:
        found = await _neighbors(info, self.record, Rel.OWNS, outgoing=True, current=True)
        return [Ownership.from_edge(owner=self.record, target=n.node, edge=n.edge) for n in found]


@strawberry.type(
    description="An automated actor: scheduler, CI, monitor. It triggers runs, may own things "
    "and, with an account, calls the API. Key: a slug, e.g. airflow-scheduler."
)
class ServiceAccount(CatalogNode):
    name: str | None = prop("name", "Display name.")
    description: str | None = prop("description", "What the account does.")


@strawberry.type(
    description="A class of data (PII, SENSITIVE, ...) that things are CLASSIFIED_AS; it "
    "propagates downstream along lineage at query time (classificationsUpstream). Key: e.g. PII."
)
class Classification(CatalogNode):
    name: str | None = prop("name", "Display name, e.g. Personally identifiable information.")
    description: str | None = prop("description", "What data the class covers.")

    @strawberry.field(
        description="Whether the schema and sample of what it classifies need its clearance "
        "(changed by setClassificationRestricted, audited)."
    )
    def restricted(self) -> bool:
        return bool(self.record.props.get("restricted"))

    @staticmethod
    def from_node(node: NodeRecord) -> Classification:
        return to_type(node)  # type: ignore[return-value]


@strawberry.type(description="One column of a dataset version's schema.")
class SchemaField:
    name: str = strawberry.field(description="The column's name.")
    type: str | None = strawberry.field(
        description="The column's type as the source names it (string, int, timestamp, ...)."
    )
    description: str | None = strawberry.field(description="What the column holds.")


@strawberry.type(
    description="A dataset: a table, file set or topic whose contents come in versions "
    "(DatasetVersion). Key: a slug, e.g. loans-raw."
)
class Dataset(CatalogNode):
    name: str | None = prop("name", "Display name.")
    description: str | None = prop("description", "What the dataset holds.")
    tags: list[str] | None = prop(
        "tags", "Free-form tags; `search(tag)` and `nodes(tag)` match them."
    )
    platform: str | None = prop("platform", "Where it lives: s3, postgres, bigquery, ...")
    location: str | None = prop("location", "The dataset's address on its platform (a URI).")

    @strawberry.field(description="Versions, newest recorded first.")
    async def versions(self, info: Info[Context, None]) -> list[DatasetVersion]:
        return await _nodes(info, self.record, Rel.VERSION_OF, outgoing=False)  # type: ignore[return-value]

    @strawberry.field(
        description="Owners now (or at asOf): its own; owners of a version are on the version."
    )
    async def owners(self, info: Info[Context, None], as_of: AsOf = None) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)

    @strawberry.field(
        description="Classifications set on the dataset itself (its versions inherit them)."
    )
    async def classifications(self, info: Info[Context, None]) -> list[Classification]:
        return await classifications_of(info, self.record)


@strawberry.interface(description="An entity in lineage: generated and used by runs.")
class Entity(CatalogNode):
    @strawberry.field(
        description="The run that generated this (GENERATED); null for a raw source or one "
        "recorded without its run."
    )
    async def generated_by(self, info: Info[Context, None]) -> Run | None:
        return await _one(info, self.record, Rel.GENERATED, outgoing=False)  # type: ignore[no-any-return]

    @strawberry.field(description="Runs that used this (USED), in no set order.")
    async def used_by(self, info: Info[Context, None]) -> list[Run]:
        return await _nodes(info, self.record, Rel.USED, outgoing=False)  # type: ignore[return-value]

    @strawberry.field(
        description="Owners now (or at asOf): its own and, for a dataset or model version, "
        "those of its dataset or model, marked `inherited`."
    )
    async def owners(self, info: Info[Context, None], as_of: AsOf = None) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)


@strawberry.type(
    description="One version of a dataset (a snapshot, a partition, a release). Key: "
    "`<dataset>@<version>`, e.g. loans-raw@2026-09-01."
)
class DatasetVersion(Entity):
    version: str | None = prop("version", "The version part of the key, e.g. 2026-09-01.")
    content_hash: str | None = prop(
        "content_hash", "A hash of the version's content as the producer gave it, e.g. sha256:..."
    )
    location: str | None = prop("location", "Where this version's data lives (a URI).")
    row_count: int | None = prop("row_count", "Number of rows, as the producer reported it.")
    created_at: datetime | None = prop("created_at", "When the version was written (UTC).")

    @strawberry.field(
        description="Restricted: null unless the caller is cleared for every restricted "
        "classification (e.g. PII) of this version or its dataset; each read is logged."
    )
    async def schema(self, info: Info[Context, None]) -> list[SchemaField] | None:
        if not await may_read(info, self.record.uid, "schema"):
            return None
        fields = self.record.props.get("schema") or []
        return [
            SchemaField(
                name=f.get("name", ""), type=f.get("type"), description=f.get("description")
            )
            for f in fields
        ]

    @strawberry.field(description="Sample rows; restricted like `schema`.")
    async def sample(self, info: Info[Context, None]) -> JSON | None:
        if not await may_read(info, self.record.uid, "sample"):
            return None
        return self.record.props.get("sample")

    @strawberry.field(
        description="Its columns (schema, then those only its columnLineage facet names), "
        "each with its direct input columns and their transformations; restricted like "
        "`schema`, and an input column of a restricted version is shown without its name."
    )
    async def columns(self, info: Info[Context, None]) -> list[_Column] | None:
        from lineage_catalog.api.graphql.column_types import columns_of_version  # imports this

        return await columns_of_version(info, self.record)

    @strawberry.field(description="The dataset this is a version of.")
    async def dataset(self, info: Info[Context, None]) -> Dataset | None:
        return await _named(info, self.record, "dataset")  # type: ignore[no-any-return]

    @strawberry.field(description="Classifications of this version and of its dataset.")
    async def classifications(self, info: Info[Context, None]) -> list[Classification]:
        own = await classifications_of(info, self.record)
        dataset = await _named(info, self.record, "dataset")
        inherited = await classifications_of(info, dataset.record) if dataset else []
        seen: dict[str, Classification] = {c.key: c for c in [*own, *inherited]}
        return list(seen.values())

    @strawberry.field(
        description="The data-quality checks OpenLineage events reported about it (the "
        "dataQualityAssertions input facet of each run reading it, the `test` run facet), "
        "newest first; `failedOnly` keeps the failed ones. Restricted like `facets`."
    )
    async def quality_checks(
        self,
        info: Info[Context, None],
        failed_only: Annotated[
            bool, strawberry.argument(description="Only the failed checks; default false.")
        ] = False,
    ) -> list[_QualityCheck] | None:
        from lineage_catalog.api.graphql.quality import quality_checks

        return await quality_checks(info, self.record, failed_only=failed_only)

    @strawberry.field(
        description="The dataQualityMetrics OpenLineage events reported about it, under the "
        "metric names DATA_QUALITY monitors watch, newest first. Restricted like `facets`."
    )
    async def quality_metrics(self, info: Info[Context, None]) -> list[_QualityMetric] | None:
        from lineage_catalog.api.graphql.quality import quality_metrics

        return await quality_metrics(info, self.record)


@strawberry.type(
    description="A model input computed by a run from dataset versions. Key: e.g. "
    "credit.debt_to_income."
)
class Feature(Entity):
    name: str | None = prop("name", "Display name.")
    description: str | None = prop("description", "What the feature measures.")
    dtype: str | None = prop("dtype", "The value type: float, int, string, ...")
    tags: list[str] | None = prop("tags", "Free-form tags.")

    @strawberry.field(description="Classifications set on the feature itself.")
    async def classifications(self, info: Info[Context, None]) -> list[Classification]:
        return await classifications_of(info, self.record)


@strawberry.type(
    description="A commit of the code a run executed. Key: `<repo>@<sha>`, e.g. "
    "acme/credit-risk@3f2a..."
)
class CodeCommit(CatalogNode):
    repo: str | None = prop("repo", "The repository, e.g. acme/credit-risk.")
    sha: str | None = prop("sha", "The commit hash.")
    message: str | None = prop("message", "The commit message.")
    authored_at: datetime | None = prop("authored_at", "When it was authored (UTC).")

    @strawberry.field(description="The person who authored the commit (AUTHORED), if known.")
    async def author(self, info: Info[Context, None]) -> Person | None:
        return await _one(info, self.record, Rel.AUTHORED, outgoing=False)  # type: ignore[no-any-return]


@strawberry.type(
    description="A pipeline step that runs again and again (an Airflow task, a training "
    "script); each execution is a Run. Key: e.g. etl.loans-clean."
)
class Job(CatalogNode):
    name: str | None = prop("name", "Display name.")
    description: str | None = prop(
        "description", "What the job does (from OpenLineage: its documentation facet)."
    )
    sql: str | None = prop("sql", "The job's SQL (OpenLineage's sql facet `query`), if any.")

    @strawberry.field(
        description="Where the job's code lives (OpenLineage's sourceCodeLocation facet)."
    )
    def source_code_location(self) -> SourceCodeLocation | None:
        return stored.source_code_location(self.record.props)

    @strawberry.field(
        description="The job's runs, newest first: by startedAt, else the first event's "
        "time, else when recorded; ties by the greater key."
    )
    async def runs(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[Run]:
        after_key = decode_cursor(after) or None
        size = page_size(first, info.context.settings)
        loaders = info.context.loaders
        page = loaders.job_runs(after=after_key, limit=size + 1).load(self.record.uid)
        total: int | None = None
        if selects(info, "totalCount"):  # the count alongside the page, not after it
            found, total = await asyncio.gather(page, loaders.job_run_counts.load(self.record.uid))
        else:
            found = await page
        return connection(
            [(r.key, to_type(r)) for r in found[:size]],  # type: ignore[misc]
            has_next=len(found) > size,
            after=after_key or "",
            total=total,
        )

    @strawberry.field(description="The newest of `runs`; null for a job that never ran.")
    async def latest_run(self, info: Info[Context, None]) -> Run | None:
        found = await info.context.loaders.job_runs(after=None, limit=1).load(self.record.uid)
        return to_type(found[0]) if found else None  # type: ignore[return-value]

    @strawberry.field(
        description="Datasets the job's runs read a version of (USED), in key order; at most "
        "LINEAGE_MAX_PAGE_SIZE."
    )
    async def inputs(self, info: Info[Context, None]) -> list[Dataset]:
        found = await info.context.loaders.job_datasets.load(self.record.uid)
        return [to_type(d) for d in found.inputs]  # type: ignore[misc]

    @strawberry.field(
        description="Datasets the job's runs wrote a version of (GENERATED), in key order; "
        "at most LINEAGE_MAX_PAGE_SIZE."
    )
    async def outputs(self, info: Info[Context, None]) -> list[Dataset]:
        found = await info.context.loaders.job_datasets.load(self.record.uid)
        return [to_type(d) for d in found.outputs]  # type: ignore[misc]

    @strawberry.field(description="Owners of the job now (or at asOf).")
    async def owners(self, info: Info[Context, None], as_of: AsOf = None) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)


@strawberry.type(
    description="An activity: one execution of a job, which USED entity versions, GENERATED "
    "others and EXECUTED a code commit. Key: the run id (OpenLineage's runId where one exists)."
)
class Run(CatalogNode):
    run_kind: str | None = prop(
        "run_kind", "transformation, training, evaluation, inference_batch or other (RunKind)."
    )
    status: str | None = prop("status", "running, completed, failed or aborted (RunStatus).")
    started_at: datetime | None = prop("started_at", "When the run started (UTC).")
    ended_at: datetime | None = prop("ended_at", "When it ended (UTC); null while running.")
    parameters: JSON | None = prop(
        "parameters", "The run's parameters as a JSON object (hyperparameters, snapshot date, ...)."
    )
    environment: JSON | None = prop(
        "environment", "Where it ran as a JSON object: interpreter, image, package versions."
    )
    parent_run_id: str | None = prop(
        "parent_run",
        "The run id of the run this one is part of (OpenLineage's parent facet), whether or "
        "not the catalog holds that run.",
    )

    @strawberry.field(
        description="Why the run failed, when it reported it (OpenLineage's errorMessage "
        "facet); null otherwise."
    )
    def error(self) -> RunError | None:
        return stored.run_error(self.record.props)

    @strawberry.field(
        description="When the run was scheduled to start (OpenLineage's nominalTime facet, "
        "nominalStartTime); null without one."
    )
    def nominal_start_time(self) -> datetime | None:
        return stored.nominal_time(self.record.props, end=False)

    @strawberry.field(
        description="When the run's scheduled interval ends (nominalTime's nominalEndTime); "
        "null without one."
    )
    def nominal_end_time(self) -> datetime | None:
        return stored.nominal_time(self.record.props, end=True)

    @strawberry.field(
        description="The run this one is part of (parentRunId), when the catalog holds it."
    )
    async def parent_run(self, info: Info[Context, None]) -> Run | None:
        return await _named(info, self.record, "parent_run")  # type: ignore[no-any-return]

    @strawberry.field(description="The job this is a run of.")
    async def job(self, info: Info[Context, None]) -> Job | None:
        return await _named(info, self.record, "job")  # type: ignore[no-any-return]

    @strawberry.field(description="Entity versions this run read.")
    async def used(self, info: Info[Context, None]) -> list[CatalogNode]:
        return await _nodes(info, self.record, Rel.USED, outgoing=True)

    @strawberry.field(description="Entity versions this run wrote.")
    async def generated(self, info: Info[Context, None]) -> list[CatalogNode]:
        return await _nodes(info, self.record, Rel.GENERATED, outgoing=True)

    @strawberry.field(description="The code commit the run executed (EXECUTED).")
    async def code_commit(self, info: Info[Context, None]) -> CodeCommit | None:
        return await _one(info, self.record, Rel.EXECUTED, outgoing=True)  # type: ignore[no-any-return]

    @strawberry.field(description="The person or service account that triggered the run.")
    async def triggered_by(self, info: Info[Context, None]) -> Owner | None:
        return await _one(info, self.record, Rel.TRIGGERED, outgoing=False)  # type: ignore[no-any-return]


@strawberry.type(
    description="A model: what its versions (ModelVersion) are versions of, with KPIs and "
    "owners. Key: a slug, e.g. credit-risk."
)
class Model(CatalogNode):
    name: str | None = prop("name", "Display name.")
    description: str | None = prop("description", "What the model predicts and for whom.")
    tags: list[str] | None = prop("tags", "Free-form tags.")

    @strawberry.field(description="Versions, newest recorded first.")
    async def versions(self, info: Info[Context, None]) -> list[ModelVersion]:
        return await _nodes(info, self.record, Rel.VERSION_OF, outgoing=False)  # type: ignore[return-value]

    @strawberry.field(
        description="Owners now (or at asOf): its own; owners of a version are on the version."
    )
    async def owners(self, info: Info[Context, None], as_of: AsOf = None) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)


@strawberry.type(description="A deployment serving a model version over [validFrom, validTo).")
class Serving:
    role: str | None = strawberry.field(
        description="champion, challenger, shadow or canary (ServingRole)."
    )
    traffic_share: float | None = strawberry.field(
        description="The share of the deployment's traffic, 0.0 to 1.0 (a shadow gets 0.0)."
    )
    valid_from: datetime | None = strawberry.field(
        description="When the serving began (inclusive, UTC)."
    )
    valid_to: datetime | None = strawberry.field(
        description="When it ended (exclusive, UTC); null: it still serves."
    )
    reason: str | None = strawberry.field(description="Why it was changed, as recorded.")
    changed_by: str | None = strawberry.field(
        description="Who made the change: an email or an account id."
    )
    imported: bool = strawberry.field(
        description="Loaded as history by an admin's bulk load, not recorded by the lifecycle: "
        "no approval or warm-up is on record for it."
    )
    deployment_record: strawberry.Private[NodeRecord]
    model_version_record: strawberry.Private[NodeRecord]

    @strawberry.field(description="The deployment that served.")
    def deployment(self) -> Deployment:
        return to_type(self.deployment_record)  # type: ignore[return-value]

    @strawberry.field(description="The model version it served.")
    def model_version(self) -> ModelVersion:
        return to_type(self.model_version_record)  # type: ignore[return-value]

    @staticmethod
    def from_edge(
        *, deployment: NodeRecord, model_version: NodeRecord, edge: dict[str, Any]
    ) -> Serving:
        return Serving(
            role=edge.get("role"),
            traffic_share=edge.get("traffic_share"),
            valid_from=edge.get("valid_from"),
            valid_to=edge.get("valid_to"),
            reason=edge.get("reason"),
            changed_by=edge.get("changed_by"),
            imported=edge.get("imported") is True,
            deployment_record=deployment,
            model_version_record=model_version,
        )


@strawberry.type(
    description="One trained version of a model, GENERATED by its training run. Key: "
    "`<model>@<version>`, e.g. credit-risk@2."
)
class ModelVersion(Entity):
    version: str | None = prop("version", "The version part of the key, e.g. 2.")
    stage: str | None = prop(
        "stage",
        "registered, staging, production or archived (Stage); moved by transitionStage "
        "and approved promotions only.",
    )
    artifact_uri: str | None = prop("artifact_uri", "Where the trained artifact is stored (a URI).")
    metrics: JSON | None = prop(
        "metrics",
        "Training metrics as a JSON object of numbers, e.g. {auc: 0.81}; KPIs are "
        "checked against evaluations, not these.",
    )

    @strawberry.field(description="The model this is a version of.")
    async def model(self, info: Info[Context, None]) -> Model | None:
        return await _named(info, self.record, "model")  # type: ignore[no-any-return]

    @strawberry.field(
        description="How deployments serve this version now: role and traffic share each."
    )
    async def served_by(self, info: Info[Context, None]) -> list[Serving]:
        found = await _neighbors(info, self.record, Rel.SERVED, outgoing=False, current=True)
        return [
            Serving.from_edge(deployment=n.node, model_version=self.record, edge=n.edge)
            for n in found
        ]

    @strawberry.field(
        description="The incidents tied to it, newest opened first: about it, cited by its "
        "promotion or serving changes, fixed by it, or addressed by the run that trained it."
    )
    async def incidents(self, info: Info[Context, None]) -> list[_Incident]:
        from lineage_catalog.api.graphql.incident_links import incidents_of_version

        return await incidents_of_version(info, self.record.uid)


if TYPE_CHECKING:
    from lineage_catalog.api.graphql.monitoring import Incident
    from lineage_catalog.api.graphql.quality import QualityCheck, QualityMetric
_Incident = Annotated["Incident", strawberry.lazy("lineage_catalog.api.graphql.monitoring")]
_QualityCheck = Annotated["QualityCheck", strawberry.lazy("lineage_catalog.api.graphql.quality")]
_QualityMetric = Annotated["QualityMetric", strawberry.lazy("lineage_catalog.api.graphql.quality")]


@strawberry.type(
    description="Where model versions serve predictions: an endpoint in an environment. Key: "
    "`<environment>/<name>`, e.g. prod/credit-risk-api."
)
class Deployment(CatalogNode):
    name: str | None = prop("name", "The deployment's name, e.g. credit-risk-api.")
    environment: str | None = prop("environment", "The environment, e.g. prod or staging.")
    endpoint: str | None = prop("endpoint", "The URL that serves predictions.")
    strategy: str | None = prop("strategy", "How versions share traffic, e.g. champion-challenger.")

    @strawberry.field(description="What serves now (or at asOf): roles and traffic shares.")
    async def serving(self, info: Info[Context, None], as_of: AsOf = None) -> list[Serving]:
        found = await _neighbors(
            info, self.record, Rel.SERVED, outgoing=True, current=True, as_of=as_of
        )
        return [
            Serving.from_edge(deployment=self.record, model_version=n.node, edge=n.edge)
            for n in found
        ]

    @strawberry.field(
        description="Every serving interval, ended or not, with who changed it and why (Q3)."
    )
    async def serving_history(self, info: Info[Context, None]) -> list[Serving]:
        found = await _neighbors(info, self.record, Rel.SERVED, outgoing=True)
        return [
            Serving.from_edge(deployment=self.record, model_version=n.node, edge=n.edge)
            for n in found
        ]

    @strawberry.field(description="Owners of the deployment now (or at asOf).")
    async def owners(self, info: Info[Context, None], as_of: AsOf = None) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)

    @strawberry.field(
        description="How it stands now (or at asOf): each monitor watching it with its "
        "latest value, and the incidents about it open then (productionView, Q9). One "
        "statement for every deployment of a request."
    )
    async def health(self, info: Info[Context, None], as_of: AsOf = None) -> _Health | None:
        from lineage_catalog.api.graphql.monitoring_reads import node_health

        return await node_health(info, self.record, as_of)


_Health = Annotated["Health", strawberry.lazy("lineage_catalog.api.graphql.monitoring")]
if TYPE_CHECKING:
    from lineage_catalog.api.graphql.monitoring import Health


@strawberry.type(
    description="One prediction, MADE_BY a deployment and a model version; predictionTrace "
    "follows it upstream. Key: the caller's prediction id, e.g. pred-00000042."
)
class Prediction(CatalogNode):
    time: datetime | None = prop("time", "When the prediction was made (UTC).")
    output: str | None = prop("output", "What the model answered, as text (often JSON).")

    @strawberry.field(description="The deployment that made it.")
    async def deployment(self, info: Info[Context, None]) -> Deployment | None:
        return await _named(info, self.record, "deployment")  # type: ignore[no-any-return]

    @strawberry.field(description="The model version that made it.")
    async def model_version(self, info: Info[Context, None]) -> ModelVersion | None:
        return await _named(info, self.record, "model_version")  # type: ignore[no-any-return]


@strawberry.type(
    description="Metrics of a model version measured by an evaluation run (recordEvaluation); "
    "what KPIs and promotions are checked against. Key: chosen by the caller."
)
class Evaluation(Entity):
    metrics: JSON | None = prop("metrics", "The measured metrics, a JSON object of numbers.")
    created_at: datetime | None = prop("created_at", "When the evaluation was made (UTC).")


_TYPES: dict[Kind, type[CatalogNode]] = {
    Kind.PERSON: Person,
    Kind.TEAM: Team,
    Kind.SERVICE_ACCOUNT: ServiceAccount,
    Kind.DATASET: Dataset,
    Kind.DATASET_VERSION: DatasetVersion,
    Kind.FEATURE: Feature,
    Kind.CODE_COMMIT: CodeCommit,
    Kind.JOB: Job,
    Kind.RUN: Run,
    Kind.MODEL: Model,
    Kind.MODEL_VERSION: ModelVersion,
    Kind.DEPLOYMENT: Deployment,
    Kind.PREDICTION: Prediction,
    Kind.EVALUATION: Evaluation,
    Kind.CLASSIFICATION: Classification,
}
ALL_NODE_TYPES = list(_TYPES.values())


# Per node type: (attribute, stored property) of each prop() field.
_STORED: dict[type[CatalogNode], tuple[tuple[str, str], ...]] = {
    cls: tuple((f.name, f.metadata[_PROP]) for f in dataclasses.fields(cls) if _PROP in f.metadata)
    for cls in ALL_NODE_TYPES
}


def _check_assignable(cls: type[CatalogNode]) -> None:
    """to_type fills node objects in without the generated __init__: that __init__ must set
    exactly the fields to_type sets (it sets none of the resolvers' fields) and do nothing
    else. Checked once per type, when the module loads."""
    fields = dataclasses.fields(cls)
    if (
        hasattr(cls, "__post_init__")
        or {f.name for f in fields if f.init}
        != {"id", "key", "record", "kind"} | {attr for attr, _ in _STORED[cls]}
        or any(
            f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            for f in fields
            if not f.init
        )
    ):
        raise TypeError(f"{cls.__name__}: to_type cannot fill it in without its __init__")


for _cls in ALL_NODE_TYPES:
    _check_assignable(_cls)


def _layout(kind: Kind, cls: type[CatalogNode]) -> PageLayout:
    """The properties a page of `kind` reads by name: its type's prop() fields, as plain
    values, JSON or datetimes by the field's type, and the properties that name other
    nodes. Any other property still comes (as a pair), so this decides speed only."""
    typed = {f.python_name: f.type for f in cls.__strawberry_definition__.fields}  # type: ignore[attr-defined]
    plain: list[str] = []
    json: list[str] = []
    zoned: list[str] = []
    for attr, name in _STORED[cls]:
        held = typed[attr]
        while isinstance(held, StrawberryOptional):
            held = held.of_type
        (zoned if held is datetime else json if held is JSON else plain).append(name)
    plain += [name for name in NAMED_BY_PROPERTY.get(kind, {}) if name not in plain]
    return PageLayout(plain=tuple(plain), json=tuple(json), zoned=tuple(zoned))


PAGE_LAYOUTS: dict[Kind, PageLayout] = {kind: _layout(kind, cls) for kind, cls in _TYPES.items()}


def to_type(node: NodeRecord) -> CatalogNode:
    """The GraphQL object of a stored node, its stored-property fields filled in: what the
    dataclass __init__ would do (_check_assignable), without its keyword handling (a page
    of 10k nodes builds 10k of these)."""
    cls = _TYPES[node.kind]
    props = node.props
    made = object.__new__(cls)
    state = made.__dict__
    state["id"] = node.uid
    state["key"] = node.key
    state["record"] = node
    state["kind"] = node.kind.value
    for attr, name in _STORED[cls]:
        state[attr] = props.get(name)
    return made
