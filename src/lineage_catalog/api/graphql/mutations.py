"""Mutations: register or update each kind and link them. Idempotent by key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.types import (
    CatalogNode,
    CodeCommit,
    Dataset,
    DatasetVersion,
    Deployment,
    Feature,
    Job,
    Model,
    ModelVersion,
    Person,
    Prediction,
    Run,
    Team,
    to_type,
)
from lineage_catalog.domain.model import (
    Kind,
    OwnerRole,
    Rel,
    RunKind,
    RunStatus,
    ServingRole,
    Stage,
    check_email,
    check_key,
    split_uid,
    uid,
    version_key,
)
from lineage_catalog.domain.rules import json_object
from lineage_catalog.services import commands, serving
from lineage_catalog.services.audit import checked_reason
from lineage_catalog.services.registry import Ref, RegisterCommand, link_interval, link_pairs
from lineage_catalog.services.registry import ref as make_ref
from lineage_catalog.services.registry import register as register_node

GqlRunKind = strawberry.enum(RunKind, name="RunKind")
GqlRunStatus = strawberry.enum(RunStatus, name="RunStatus")
GqlStage = strawberry.enum(Stage, name="Stage")
GqlServingRole = strawberry.enum(ServingRole, name="ServingRole")
GqlOwnerRole = strawberry.enum(OwnerRole, name="OwnerRole")


@strawberry.input
class PersonInput:
    email: str
    name: str | None = None
    handle: str | None = None
    teams: list[str] | None = strawberry.field(default=None, description="Team keys.")


@strawberry.input
class NamedInput:
    """Teams, service accounts, jobs and classifications: a key, a name, a description."""

    key: str
    name: str | None = None
    description: str | None = None


@strawberry.input
class ClassificationInput:
    key: str
    name: str | None = None
    description: str | None = None
    restricted: bool | None = strawberry.field(
        default=None, description="Schema and samples of what it classifies need a clearance."
    )


@strawberry.input
class DatasetInput:
    key: str
    name: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    platform: str | None = None
    location: str | None = None


@strawberry.input
class SchemaFieldInput:
    name: str
    type: str | None = None
    description: str | None = None


@strawberry.input
class DatasetVersionInput:
    dataset: str
    version: str
    content_hash: str | None = None
    location: str | None = None
    row_count: int | None = None
    schema: list[SchemaFieldInput] | None = None
    sample: JSON | None = strawberry.field(
        default=None, description="A few sample rows (a list of objects); restricted on read."
    )
    created_at: datetime | None = None


@strawberry.input
class FeatureInput:
    key: str
    name: str | None = None
    description: str | None = None
    dtype: str | None = None
    tags: list[str] | None = None


@strawberry.input
class CodeCommitInput:
    repo: str
    sha: str
    message: str | None = None
    authored_at: datetime | None = None
    author: str | None = strawberry.field(default=None, description="Author's email.")


@strawberry.input
class RunInput:
    run_id: str
    job: str
    run_kind: GqlRunKind  # type: ignore[valid-type]
    status: GqlRunStatus = RunStatus.COMPLETED  # type: ignore[valid-type]
    started_at: datetime | None = None
    ended_at: datetime | None = None
    parameters: JSON | None = None
    environment: JSON | None = None
    code_commit: str | None = strawberry.field(default=None, description="Commit key repo@sha.")
    triggered_by: strawberry.ID | None = strawberry.field(
        default=None, description="Person:<email> or ServiceAccount:<key>."
    )
    used: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Ids of entity versions read; replaces the previous list."
    )
    generated: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Ids of entity versions written; replaces the previous list."
    )


@strawberry.input
class ModelInput:
    key: str
    name: str | None = None
    description: str | None = None
    tags: list[str] | None = None


@strawberry.input
class ModelVersionInput:
    model: str
    version: str
    artifact_uri: str | None = None
    metrics: JSON | None = None


@strawberry.input
class DeploymentInput:
    name: str
    environment: str
    endpoint: str | None = None
    strategy: str | None = None


@strawberry.input
class ServingInput:
    deployment: str
    model_version: str
    role: GqlServingRole  # type: ignore[valid-type]
    traffic_share: float = 1.0
    valid_from: datetime
    valid_to: datetime | None = None
    reason: str | None = None
    changed_by: str | None = None


@strawberry.input
class PredictionInput:
    key: str
    deployment: str
    model_version: str
    time: datetime
    output: str | None = None


@strawberry.input
class OwnershipInput:
    owner: strawberry.ID
    target: strawberry.ID
    role: GqlOwnerRole  # type: ignore[valid-type]
    valid_from: datetime | None = None
    valid_to: datetime | None = None


async def _register_keyed(info: Info[Context, None], kind: Kind, item: Any) -> Any:
    """Register a node whose input is its key plus plain properties named like the fields."""
    key = check_key(item.key, path=["input", "key"])
    props = {name: value for name, value in strawberry.asdict(item).items() if name != "key"}
    return await _register(info, RegisterCommand(kind, key, props))


def _input_ref(
    path: list[str | int], rel: Rel, kind: Kind, key: str, *, outgoing: bool = True
) -> Ref:
    """A link to a node named by a field of the `input` argument."""
    return make_ref(["input", *path], rel, kind, key, outgoing=outgoing)


def _node_ref(value: str, path: list[str | int], rel: Rel, *, outgoing: bool = True) -> Ref:
    """A link to the node with id `value`; which kinds fit is checked by the registry."""
    where = ["input", *path]
    kind, key = split_uid(value, path=where)
    return make_ref(where, rel, kind, key, outgoing=outgoing)


async def _register(info: Info[Context, None], command: RegisterCommand) -> Any:
    return to_type(await register_node(info.context.graph, command, actor=info.context.actor))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Register or update a person (key: email).")
    async def register_person(self, info: Info[Context, None], input: PersonInput) -> Person:
        email = check_email(input.email, path=["input", "email"])
        refs = [
            _input_ref(["teams", i], Rel.MEMBER_OF, Kind.TEAM, t)
            for i, t in enumerate(input.teams or [])
        ]
        replace = frozenset({Rel.MEMBER_OF}) if input.teams is not None else frozenset()
        props = {"name": input.name, "handle": input.handle}
        # Whether an account is active is the admin's to change (disableAccount), not ingest's.
        command = RegisterCommand(Kind.PERSON, email, props, refs, replace, {"active": True})
        return await _register(info, command)  # type: ignore[no-any-return]

    @strawberry.mutation
    async def register_team(self, info: Info[Context, None], input: NamedInput) -> Team:
        return await _register_keyed(info, Kind.TEAM, input)  # type: ignore[no-any-return]

    @strawberry.mutation
    async def register_service_account(
        self, info: Info[Context, None], input: NamedInput
    ) -> CatalogNode:
        return await _register_keyed(info, Kind.SERVICE_ACCOUNT, input)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Register a classification; a restricted one (PII) hides the schema and "
        "samples of what it classifies from callers without its clearance. `restricted` is "
        "set when the classification is created; changing it later is "
        "setClassificationRestricted's (admin, with a reason)."
    )
    async def register_classification(
        self, info: Info[Context, None], input: ClassificationInput
    ) -> CatalogNode:
        key = check_key(input.key, path=["input", "key"])
        props = {"name": input.name, "description": input.description,
                 "restricted": input.restricted}  # fmt: skip
        governed = {"restricted": "setClassificationRestricted (admin, with a reason)"}
        command = RegisterCommand(Kind.CLASSIFICATION, key, props, governed=governed)
        return await _register(info, command)  # type: ignore[no-any-return]

    @strawberry.mutation
    async def register_job(self, info: Info[Context, None], input: NamedInput) -> Job:
        return await _register_keyed(info, Kind.JOB, input)  # type: ignore[no-any-return]

    @strawberry.mutation
    async def register_dataset(self, info: Info[Context, None], input: DatasetInput) -> Dataset:
        return await _register_keyed(info, Kind.DATASET, input)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Register a dataset version (key: <dataset>@<version>).")
    async def register_dataset_version(
        self, info: Info[Context, None], input: DatasetVersionInput
    ) -> DatasetVersion:
        schema = (
            [{"name": f.name, "type": f.type, "description": f.description} for f in input.schema]
            if input.schema is not None
            else None
        )
        command = commands.dataset_version(
            dataset=input.dataset, version=input.version, content_hash=input.content_hash,
            location=input.location, row_count=input.row_count, schema=schema,
            sample=input.sample, created_at=input.created_at, at=commands.graphql_input,
        )  # fmt: skip
        return await _register(info, command)  # type: ignore[no-any-return]

    @strawberry.mutation
    async def register_feature(self, info: Info[Context, None], input: FeatureInput) -> Feature:
        command = commands.feature(
            key=input.key, name=input.name, description=input.description, dtype=input.dtype,
            tags=input.tags, at=commands.graphql_input,
        )  # fmt: skip
        return await _register(info, command)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Register a commit (key: <repo>@<sha>).")
    async def register_code_commit(
        self, info: Info[Context, None], input: CodeCommitInput
    ) -> CodeCommit:
        repo = check_key(input.repo, path=["input", "repo"])
        key = version_key(repo, input.sha, path=["input", "sha"])
        props = {
            "repo": repo,
            "sha": input.sha,
            "message": input.message,
            "authored_at": input.authored_at,
        }
        refs = []
        if input.author:
            email = check_email(input.author, path=["input", "author"])
            refs.append(_input_ref(["author"], Rel.AUTHORED, Kind.PERSON, email, outgoing=False))
        return await _register(info, RegisterCommand(Kind.CODE_COMMIT, key, props, refs))  # type: ignore[no-any-return]

    @strawberry.mutation(description="Record a run: what it used and generated, its code.")
    async def record_run(self, info: Info[Context, None], input: RunInput) -> Run:
        command = commands.run(
            run_id=input.run_id, job=input.job, run_kind=RunKind(input.run_kind),
            status=RunStatus(input.status), started_at=input.started_at,
            ended_at=input.ended_at, parameters=input.parameters, environment=input.environment,
            code_commit=input.code_commit, triggered_by=input.triggered_by, used=input.used,
            generated=input.generated, at=commands.graphql_input,
        )  # fmt: skip
        return await _register(info, command)  # type: ignore[no-any-return]

    @strawberry.mutation
    async def register_model(self, info: Info[Context, None], input: ModelInput) -> Model:
        return await _register_keyed(info, Kind.MODEL, input)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Register a model version (key: <model>@<version>).")
    async def register_model_version(
        self, info: Info[Context, None], input: ModelVersionInput
    ) -> ModelVersion:
        model = check_key(input.model, path=["input", "model"])
        key = version_key(model, input.version, path=["input", "version"])
        props = {
            "version": input.version,
            "model": model,
            "artifact_uri": input.artifact_uri,
            "metrics": json_object(input.metrics, path=["input", "metrics"]),
        }
        refs = [_input_ref(["model"], Rel.VERSION_OF, Kind.MODEL, model)]
        # A new version starts as registered; stages then move only by transitionStage.
        first = {"stage": Stage.REGISTERED.value}
        command = RegisterCommand(Kind.MODEL_VERSION, key, props, refs, on_create=first)
        return await _register(info, command)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Register a deployment (key: <environment>/<name>).")
    async def register_deployment(
        self, info: Info[Context, None], input: DeploymentInput
    ) -> Deployment:
        name = check_key(input.name, path=["input", "name"])
        environment = check_key(input.environment, path=["input", "environment"])
        props = {
            "name": name,
            "environment": environment,
            "endpoint": input.endpoint,
            "strategy": input.strategy,
        }
        key = f"{environment}/{name}"
        return await _register(info, RegisterCommand(Kind.DEPLOYMENT, key, props))  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Record that a deployment served a model version as challenger, shadow "
        "or canary; a champion comes only from promoteToChampion."
    )
    async def record_serving(self, info: Info[Context, None], input: ServingInput) -> Deployment:
        await serving.record_serving(
            info.context.graph,
            actor=info.context.actor,
            deployment=input.deployment,
            model_version=input.model_version,
            role=ServingRole(input.role),
            traffic_share=input.traffic_share,
            valid_from=input.valid_from,
            valid_to=input.valid_to,
            reason=checked_reason(input.reason, path=["input", "reason"], required=False),
            changed_by=input.changed_by,
        )
        record = await info.context.loaders.node.load(uid(Kind.DEPLOYMENT, input.deployment))
        return to_type(record) if record else None  # type: ignore[return-value]

    @strawberry.mutation
    async def record_prediction(
        self, info: Info[Context, None], input: PredictionInput
    ) -> Prediction:
        key = check_key(input.key, path=["input", "key"])
        props = {
            "time": input.time,
            "output": input.output,
            "deployment": input.deployment,
            "model_version": input.model_version,
        }
        refs = [
            _input_ref(["deployment"], Rel.MADE_BY, Kind.DEPLOYMENT, input.deployment),
            _input_ref(["modelVersion"], Rel.MADE_BY, Kind.MODEL_VERSION, input.model_version),
        ]
        return await _register(info, RegisterCommand(Kind.PREDICTION, key, props, refs))  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Record that an agent owns a thing from validFrom on (reason required)."
    )
    async def set_owner(
        self, info: Info[Context, None], input: OwnershipInput, reason: str
    ) -> CatalogNode:
        why = checked_reason(reason, path=["reason"], required=True)
        owner = _node_ref(input.owner, ["owner"], Rel.OWNS)
        target = _node_ref(input.target, ["target"], Rel.OWNS)
        props = {"role": OwnerRole(input.role).value, "valid_to": input.valid_to}
        await link_interval(
            info.context.graph,
            actor=info.context.actor,
            action="ownership.set",
            rel=Rel.OWNS,
            source=owner,
            target=target,
            valid_from=input.valid_from or datetime.now(UTC),
            props=props,
            reason=why,
        )
        record = await info.context.loaders.node.load(target.target)
        return to_type(record)  # type: ignore[arg-type]

    @strawberry.mutation(description="Classify a node (PII, SENSITIVE, ...); reason required.")
    async def classify(
        self,
        info: Info[Context, None],
        target: strawberry.ID,
        classifications: list[str],
        reason: str,
    ) -> CatalogNode:
        why = checked_reason(reason, path=["reason"], required=True)
        kind, key = split_uid(target, path=["target"])
        source = make_ref(["target"], Rel.CLASSIFIED_AS, kind, key)
        targets = [
            make_ref(["classifications", i], Rel.CLASSIFIED_AS, Kind.CLASSIFICATION, c)
            for i, c in enumerate(classifications)
        ]
        await link_pairs(
            info.context.graph,
            actor=info.context.actor,
            action="classification.add",
            rel=Rel.CLASSIFIED_AS,
            source=source,
            targets=targets,
            reason=why,
        )
        record = await info.context.loaders.node.load(source.target)
        return to_type(record)  # type: ignore[arg-type]
