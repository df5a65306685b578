"""GraphQL node types. Each wraps a stored NodeRecord; nested fields go through loaders."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from lineage_catalog.api.graphql.context import Context
from lineage_catalog.auth.policy import cleared, restricted_props
from lineage_catalog.domain.model import Kind, Neighbor, NodeRecord, Rel, uid

_PROP = "stored_property"


def prop(name: str) -> Any:
    """A field holding the node's stored property `name`, filled in by `to_type`.

    A plain data field, not a resolver: graphql-core reads it as an attribute, without the
    per-field resolver call and Info object (a 10k-node answer has 100k such fields)."""
    return strawberry.field(default=None, metadata={_PROP: name})


@strawberry.interface(description="Any catalog node. `id` is `<Kind>:<key>`.")
class CatalogNode:
    id: strawberry.ID
    key: str
    record: strawberry.Private[NodeRecord]
    kind: str = strawberry.field(default="", description="The node's kind, e.g. DatasetVersion.")
    recorded_at: datetime | None = strawberry.field(
        default=None,
        description="When the catalog first recorded this node.",
        metadata={_PROP: "recorded_at"},
    )


Owner = Annotated["Person | Team | ServiceAccount", strawberry.union("Owner")]


@strawberry.type(
    description="An agent owning a thing, with a role, over [since, until). On a dataset or "
    "model version the owners are its own and those of its parent (dataset, model), marked "
    "by `inherited`; on anything else only its own."
)
class Ownership:
    role: str | None
    since: datetime | None
    until: datetime | None
    inherited: bool = strawberry.field(
        description="False: the ownership is on the thing asked about (`target` is that "
        "thing). True: it is on the thing's parent over VERSION_OF (`target` is the Dataset "
        "or Model), which the version inherits."
    )
    owner_record: strawberry.Private[NodeRecord]
    target_record: strawberry.Private[NodeRecord]

    @strawberry.field
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


async def _parent(info: Info[Context, None], kind: Kind, key: str | None) -> Any:
    if key is None:
        return None
    record = await info.context.loaders.node.load(uid(kind, key))
    return to_type(record) if record else None


_PARENT = {
    Kind.DATASET_VERSION: (Kind.DATASET, "dataset"),
    Kind.MODEL_VERSION: (Kind.MODEL, "model"),
}


async def owners_of(
    info: Info[Context, None], target: NodeRecord, as_of: datetime | None = None
) -> list[Ownership]:
    """Owners now (or as of a time) by the rule of `questions.owners_of`: the thing's own
    and, for a version, its parent's (dataset, model), marked inherited."""
    loaders = info.context.loaders
    owners = loaders.owners(as_of)
    records = {target.uid: target}
    if target.kind in _PARENT:
        parent_kind, prop_name = _PARENT[target.kind]
        parent_uid = uid(parent_kind, str(target.props.get(prop_name)))
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


async def classifications_of(info: Info[Context, None], node: NodeRecord) -> list[Classification]:
    """Classifications set on the node itself (propagation along lineage is a separate query)."""
    found = await _neighbors(info, node, Rel.CLASSIFIED_AS, outgoing=True)
    return [Classification.from_node(n.node) for n in found]


@strawberry.type
class Person(CatalogNode):
    """A person (key: email address)."""

    name: str | None = prop("name")
    handle: str | None = prop("handle")
    active: bool | None = prop("active")

    @strawberry.field
    async def teams(self, info: Info[Context, None]) -> list[Team]:
        return await _nodes(info, self.record, Rel.MEMBER_OF, outgoing=True)  # type: ignore[return-value]

    @strawberry.field(description="What this person owns now (directly).")
    async def owns(self, info: Info[Context, None]) -> list[Ownership]:
        found = await _neighbors(info, self.record, Rel.OWNS, outgoing=True, current=True)
        return [Ownership.from_edge(owner=self.record, target=n.node, edge=n.edge) for n in found]


@strawberry.type
class Team(CatalogNode):
    name: str | None = prop("name")
    description: str | None = prop("description")

    @strawberry.field
    async def members(self, info: Info[Context, None]) -> list[Person]:
        return await _nodes(info, self.record, Rel.MEMBER_OF, outgoing=False)  # type: ignore[return-value]

    @strawberry.field(description="What this team owns now.")
    async def owns(self, info: Info[Context, None]) -> list[Ownership]:
        found = await _neighbors(info, self.record, Rel.OWNS, outgoing=True, current=True)
        return [Ownership.from_edge(owner=self.record, target=n.node, edge=n.edge) for n in found]


@strawberry.type(description="An automated actor: scheduler, CI, monitor.")
class ServiceAccount(CatalogNode):
    name: str | None = prop("name")
    description: str | None = prop("description")


@strawberry.type
class Classification(CatalogNode):
    name: str | None = prop("name")
    description: str | None = prop("description")

    @strawberry.field(
        description="Whether the schema and sample of what it classifies need its clearance "
        "(changed by setClassificationRestricted, audited)."
    )
    def restricted(self) -> bool:
        return bool(self.record.props.get("restricted"))

    @staticmethod
    def from_node(node: NodeRecord) -> Classification:
        return to_type(node)  # type: ignore[return-value]


@strawberry.type
class SchemaField:
    name: str
    type: str | None
    description: str | None


@strawberry.type
class Dataset(CatalogNode):
    name: str | None = prop("name")
    description: str | None = prop("description")
    tags: list[str] | None = prop("tags")
    platform: str | None = prop("platform")
    location: str | None = prop("location")

    @strawberry.field(description="Versions, newest recorded first.")
    async def versions(self, info: Info[Context, None]) -> list[DatasetVersion]:
        return await _nodes(info, self.record, Rel.VERSION_OF, outgoing=False)  # type: ignore[return-value]

    @strawberry.field(
        description="Owners now (or at asOf): its own; owners of a version are on the version."
    )
    async def owners(
        self, info: Info[Context, None], as_of: datetime | None = None
    ) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)

    @strawberry.field
    async def classifications(self, info: Info[Context, None]) -> list[Classification]:
        return await classifications_of(info, self.record)


@strawberry.interface(description="An entity in lineage: generated and used by runs.")
class Entity(CatalogNode):
    @strawberry.field(description="The run that generated this version.")
    async def generated_by(self, info: Info[Context, None]) -> Run | None:
        return await _one(info, self.record, Rel.GENERATED, outgoing=False)  # type: ignore[no-any-return]

    @strawberry.field(description="Runs that used this version.")
    async def used_by(self, info: Info[Context, None]) -> list[Run]:
        return await _nodes(info, self.record, Rel.USED, outgoing=False)  # type: ignore[return-value]

    @strawberry.field(
        description="Owners now (or at asOf): its own and, for a dataset or model version, "
        "those of its dataset or model, marked `inherited`."
    )
    async def owners(
        self, info: Info[Context, None], as_of: datetime | None = None
    ) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)


@strawberry.type
class DatasetVersion(Entity):
    version: str | None = prop("version")
    content_hash: str | None = prop("content_hash")
    location: str | None = prop("location")
    row_count: int | None = prop("row_count")
    created_at: datetime | None = prop("created_at")

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

    @strawberry.field
    async def dataset(self, info: Info[Context, None]) -> Dataset | None:
        return await _parent(info, Kind.DATASET, self.record.props.get("dataset"))  # type: ignore[no-any-return]

    @strawberry.field(description="Classifications of this version and of its dataset.")
    async def classifications(self, info: Info[Context, None]) -> list[Classification]:
        own = await classifications_of(info, self.record)
        dataset = await _parent(info, Kind.DATASET, self.record.props.get("dataset"))
        inherited = await classifications_of(info, dataset.record) if dataset else []
        seen: dict[str, Classification] = {c.key: c for c in [*own, *inherited]}
        return list(seen.values())


@strawberry.type
class Feature(Entity):
    name: str | None = prop("name")
    description: str | None = prop("description")
    dtype: str | None = prop("dtype")
    tags: list[str] | None = prop("tags")

    @strawberry.field
    async def classifications(self, info: Info[Context, None]) -> list[Classification]:
        return await classifications_of(info, self.record)


@strawberry.type
class CodeCommit(CatalogNode):
    repo: str | None = prop("repo")
    sha: str | None = prop("sha")
    message: str | None = prop("message")
    authored_at: datetime | None = prop("authored_at")

    @strawberry.field
    async def author(self, info: Info[Context, None]) -> Person | None:
        return await _one(info, self.record, Rel.AUTHORED, outgoing=False)  # type: ignore[no-any-return]


@strawberry.type
class Job(CatalogNode):
    name: str | None = prop("name")
    description: str | None = prop("description")

    @strawberry.field
    async def owners(
        self, info: Info[Context, None], as_of: datetime | None = None
    ) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)


@strawberry.type(description="An activity: one execution of a job.")
class Run(CatalogNode):
    run_kind: str | None = prop("run_kind")
    status: str | None = prop("status")
    started_at: datetime | None = prop("started_at")
    ended_at: datetime | None = prop("ended_at")
    parameters: JSON | None = prop("parameters")
    environment: JSON | None = prop("environment")

    @strawberry.field
    async def job(self, info: Info[Context, None]) -> Job | None:
        return await _parent(info, Kind.JOB, self.record.props.get("job"))  # type: ignore[no-any-return]

    @strawberry.field(description="Entity versions this run read.")
    async def used(self, info: Info[Context, None]) -> list[CatalogNode]:
        return await _nodes(info, self.record, Rel.USED, outgoing=True)

    @strawberry.field(description="Entity versions this run wrote.")
    async def generated(self, info: Info[Context, None]) -> list[CatalogNode]:
        return await _nodes(info, self.record, Rel.GENERATED, outgoing=True)

    @strawberry.field
    async def code_commit(self, info: Info[Context, None]) -> CodeCommit | None:
        return await _one(info, self.record, Rel.EXECUTED, outgoing=True)  # type: ignore[no-any-return]

    @strawberry.field(description="The person or service account that triggered the run.")
    async def triggered_by(self, info: Info[Context, None]) -> Owner | None:
        return await _one(info, self.record, Rel.TRIGGERED, outgoing=False)  # type: ignore[no-any-return]


@strawberry.type
class Model(CatalogNode):
    name: str | None = prop("name")
    description: str | None = prop("description")
    tags: list[str] | None = prop("tags")

    @strawberry.field(description="Versions, newest recorded first.")
    async def versions(self, info: Info[Context, None]) -> list[ModelVersion]:
        return await _nodes(info, self.record, Rel.VERSION_OF, outgoing=False)  # type: ignore[return-value]

    @strawberry.field(
        description="Owners now (or at asOf): its own; owners of a version are on the version."
    )
    async def owners(
        self, info: Info[Context, None], as_of: datetime | None = None
    ) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)


@strawberry.type(description="A deployment serving a model version over [validFrom, validTo).")
class Serving:
    role: str | None
    traffic_share: float | None
    valid_from: datetime | None
    valid_to: datetime | None
    reason: str | None
    changed_by: str | None
    imported: bool = strawberry.field(
        description="Loaded as history by an admin's bulk load, not recorded by the lifecycle: "
        "no approval or warm-up is on record for it."
    )
    deployment_record: strawberry.Private[NodeRecord]
    model_version_record: strawberry.Private[NodeRecord]

    @strawberry.field
    def deployment(self) -> Deployment:
        return to_type(self.deployment_record)  # type: ignore[return-value]

    @strawberry.field
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


@strawberry.type
class ModelVersion(Entity):
    version: str | None = prop("version")
    stage: str | None = prop("stage")
    artifact_uri: str | None = prop("artifact_uri")
    metrics: JSON | None = prop("metrics")

    @strawberry.field
    async def model(self, info: Info[Context, None]) -> Model | None:
        return await _parent(info, Kind.MODEL, self.record.props.get("model"))  # type: ignore[no-any-return]

    @strawberry.field(description="Deployments serving this version now.")
    async def served_by(self, info: Info[Context, None]) -> list[Serving]:
        found = await _neighbors(info, self.record, Rel.SERVED, outgoing=False, current=True)
        return [
            Serving.from_edge(deployment=n.node, model_version=self.record, edge=n.edge)
            for n in found
        ]


@strawberry.type
class Deployment(CatalogNode):
    name: str | None = prop("name")
    environment: str | None = prop("environment")
    endpoint: str | None = prop("endpoint")
    strategy: str | None = prop("strategy")

    @strawberry.field(description="What serves now (or at asOf): roles and traffic shares.")
    async def serving(
        self, info: Info[Context, None], as_of: datetime | None = None
    ) -> list[Serving]:
        found = await _neighbors(
            info, self.record, Rel.SERVED, outgoing=True, current=True, as_of=as_of
        )
        return [
            Serving.from_edge(deployment=self.record, model_version=n.node, edge=n.edge)
            for n in found
        ]

    @strawberry.field(description="Every serving interval, newest first.")
    async def serving_history(self, info: Info[Context, None]) -> list[Serving]:
        found = await _neighbors(info, self.record, Rel.SERVED, outgoing=True)
        return [
            Serving.from_edge(deployment=self.record, model_version=n.node, edge=n.edge)
            for n in found
        ]

    @strawberry.field
    async def owners(
        self, info: Info[Context, None], as_of: datetime | None = None
    ) -> list[Ownership]:
        return await owners_of(info, self.record, as_of)


@strawberry.type
class Prediction(CatalogNode):
    time: datetime | None = prop("time")
    output: str | None = prop("output")

    @strawberry.field
    async def deployment(self, info: Info[Context, None]) -> Deployment | None:
        return await _parent(info, Kind.DEPLOYMENT, self.record.props.get("deployment"))  # type: ignore[no-any-return]

    @strawberry.field
    async def model_version(self, info: Info[Context, None]) -> ModelVersion | None:
        key = self.record.props.get("model_version")
        return await _parent(info, Kind.MODEL_VERSION, key)  # type: ignore[no-any-return]


@strawberry.type
class Evaluation(Entity):
    metrics: JSON | None = prop("metrics")
    created_at: datetime | None = prop("created_at")


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


def to_type(node: NodeRecord) -> CatalogNode:
    """The GraphQL object of a stored node, its stored-property fields filled in."""
    cls = _TYPES[node.kind]
    props = node.props
    values = {attr: props.get(stored) for attr, stored in _STORED[cls]}
    return cls(id=strawberry.ID(node.uid), key=node.key, record=node, kind=node.kind.value,
               **values)  # fmt: skip
