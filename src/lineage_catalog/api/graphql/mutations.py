"""Mutations: register or update each kind and link them. Idempotent by key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from lineage_catalog.api.graphql.arguments import NodeId, Reason
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.enums import described_enum
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

_INPUT = "What to write; sending the same input again changes nothing."
GqlRunKind = described_enum(
    RunKind,
    name="RunKind",
    description="What a run does.",
    values={
        RunKind.TRANSFORMATION: "Builds data from data (ETL, feature computation).",
        RunKind.TRAINING: "Trains a model version.",
        RunKind.EVALUATION: "Measures a model version on data.",
        RunKind.INFERENCE_BATCH: "Scores a batch of data with a model version.",
        RunKind.OTHER: "Anything else.",
    },
)
GqlRunStatus = described_enum(
    RunStatus,
    name="RunStatus",
    description="Where a run is in its life.",
    values={
        RunStatus.RUNNING: "Started, not ended.",
        RunStatus.COMPLETED: "Ended and succeeded.",
        RunStatus.FAILED: "Ended with an error.",
        RunStatus.ABORTED: "Stopped before it ended (cancelled, killed).",
    },
)
GqlStage = described_enum(
    Stage,
    name="Stage",
    description="A model version's lifecycle stage: registered -> staging -> production -> "
    "archived; production only through an approved promotion.",
    values={
        Stage.REGISTERED: "Just registered; where every version starts.",
        Stage.STAGING: "Under test: may serve as challenger, shadow or canary.",
        Stage.PRODUCTION: "Approved for production (four eyes, KPIs met).",
        Stage.ARCHIVED: "Retired; serves no more.",
    },
)
GqlServingRole = described_enum(
    ServingRole,
    name="ServingRole",
    description="How a model version serves at a deployment.",
    values={
        ServingRole.CHAMPION: "The main version, taking the traffic the others do not.",
        ServingRole.CHALLENGER: "Compared with the champion on a share of live traffic.",
        ServingRole.SHADOW: "Sees mirrored traffic; its answers are not returned (share 0).",
        ServingRole.CANARY: "A small share of traffic, to catch failures early.",
    },
)
GqlOwnerRole = described_enum(
    OwnerRole,
    name="OwnerRole",
    description="What an owner answers for.",
    values={
        OwnerRole.TECHNICAL_OWNER: "Builds and runs it; first call when it breaks.",
        OwnerRole.BUSINESS_OWNER: "Accountable for its use; approves changes that matter.",
        OwnerRole.STEWARD: "Looks after the data's quality, meaning and access.",
    },
)


@strawberry.input(description="A person to register or update; fields left out keep their value.")
class PersonInput:
    email: str = strawberry.field(
        description="The person's email address: their key (stored in lower case)."
    )
    name: str | None = strawberry.field(default=None, description="Full name.")
    handle: str | None = strawberry.field(default=None, description="A short user name.")
    teams: list[str] | None = strawberry.field(default=None, description="Team keys.")


@strawberry.input(
    description="A team, service account or job to register or update; fields left out keep "
    "their value."
)
class NamedInput:
    """Teams, service accounts, jobs and classifications: a key, a name, a description."""

    key: str = strawberry.field(description="The key, a slug such as risk-ml.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    description: str | None = strawberry.field(default=None, description="What it is or does.")


@strawberry.input(description="A classification to register.")
class ClassificationInput:
    key: str = strawberry.field(description="The key, e.g. PII.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    description: str | None = strawberry.field(
        default=None, description="What data the class covers."
    )
    restricted: bool | None = strawberry.field(
        default=None, description="Schema and samples of what it classifies need a clearance."
    )


@strawberry.input(description="A dataset to register or update; fields left out keep their value.")
class DatasetInput:
    key: str = strawberry.field(description="The key, a slug such as loans-raw.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    description: str | None = strawberry.field(default=None, description="What the dataset holds.")
    tags: list[str] | None = strawberry.field(
        default=None, description="Tags; replaces the previous list."
    )
    platform: str | None = strawberry.field(
        default=None, description="Where it lives: s3, postgres, ..."
    )
    location: str | None = strawberry.field(
        default=None, description="Its address on the platform (a URI)."
    )


@strawberry.input(description="One column of a dataset version's schema.")
class SchemaFieldInput:
    name: str = strawberry.field(description="The column's name.")
    type: str | None = strawberry.field(
        default=None, description="The column's type as the source names it."
    )
    description: str | None = strawberry.field(default=None, description="What the column holds.")


@strawberry.input(
    description="A dataset version to register (key <dataset>@<version>); fields left out keep "
    "their value."
)
class DatasetVersionInput:
    dataset: str = strawberry.field(description="The dataset's key; it must exist.")
    version: str = strawberry.field(
        description="The version, e.g. 2026-09-01: letters, digits, . _ + -, at most 64."
    )
    content_hash: str | None = strawberry.field(
        default=None, description="A hash of the content, e.g. sha256:<hex>."
    )
    location: str | None = strawberry.field(
        default=None, description="Where this version's data lives (a URI)."
    )
    row_count: int | None = strawberry.field(
        default=None, description="Number of rows (0 or more)."
    )
    schema: list[SchemaFieldInput] | None = strawberry.field(
        default=None, description="The columns; restricted on read like `sample`."
    )
    sample: JSON | None = strawberry.field(
        default=None, description="A few sample rows (a list of objects); restricted on read."
    )
    created_at: datetime | None = strawberry.field(
        default=None, description="When the version was written."
    )


@strawberry.input(description="A feature to register or update; fields left out keep their value.")
class FeatureInput:
    key: str = strawberry.field(description="The key, e.g. credit.debt_to_income.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    description: str | None = strawberry.field(
        default=None, description="What the feature measures."
    )
    dtype: str | None = strawberry.field(
        default=None, description="The value type: float, int, ..."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Tags; replaces the previous list."
    )


@strawberry.input(description="A code commit to register (key <repo>@<sha>).")
class CodeCommitInput:
    repo: str = strawberry.field(description="The repository, e.g. acme/credit-risk.")
    sha: str = strawberry.field(description="The commit hash.")
    message: str | None = strawberry.field(default=None, description="The commit message.")
    authored_at: datetime | None = strawberry.field(
        default=None, description="When it was authored."
    )
    author: str | None = strawberry.field(default=None, description="Author's email.")


@strawberry.input(description="Why a run failed, as its code reported it.")
class RunErrorInput:
    message: str = strawberry.field(description="The error's message.")
    programming_language: str | None = strawberry.field(
        default=None, description="The language the failing code is in, e.g. python."
    )
    stack_trace: str | None = strawberry.field(
        default=None, description="The stack trace, as text."
    )


@strawberry.input(
    description="A run to record: what it used, generated and executed; fields left out keep "
    "their value."
)
class RunInput:
    run_id: str = strawberry.field(
        description="The run's id, its key (OpenLineage's runId where there is one)."
    )
    job: str = strawberry.field(description="The job's key; it must exist.")
    run_kind: GqlRunKind = strawberry.field(  # type: ignore[valid-type]
        description="What the run does."
    )
    status: GqlRunStatus = strawberry.field(  # type: ignore[valid-type]
        default=RunStatus.COMPLETED, description="Default COMPLETED."
    )
    started_at: datetime | None = strawberry.field(default=None, description="When it started.")
    ended_at: datetime | None = strawberry.field(
        default=None, description="When it ended; not before startedAt."
    )
    parameters: JSON | None = strawberry.field(
        default=None, description="Its parameters, a JSON object."
    )
    environment: JSON | None = strawberry.field(
        default=None, description="Where it ran, a JSON object (image, packages, ...)."
    )
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
    error: RunErrorInput | None = strawberry.field(
        default=None,
        description="Why it failed (status FAILED or ABORTED only); served as Run.error, as "
        "OpenLineage's errorMessage facet is.",
    )
    addresses: list[str] | None = strawberry.field(
        default=None,
        description="Keys of the incidents this run addresses (a retraining run for a drift "
        "incident); each must exist; replaces the previous list. Served as "
        "Incident.addressedBy.",
    )


@strawberry.input(description="A model to register or update; fields left out keep their value.")
class ModelInput:
    key: str = strawberry.field(description="The key, a slug such as credit-risk.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    description: str | None = strawberry.field(default=None, description="What the model predicts.")
    tags: list[str] | None = strawberry.field(
        default=None, description="Tags; replaces the previous list."
    )


@strawberry.input(
    description="A model version to register (key <model>@<version>); it starts as registered."
)
class ModelVersionInput:
    model: str = strawberry.field(description="The model's key; it must exist.")
    version: str = strawberry.field(description="The version, e.g. 3.")
    artifact_uri: str | None = strawberry.field(
        default=None, description="Where the trained artifact is stored."
    )
    metrics: JSON | None = strawberry.field(
        default=None, description="Training metrics, a JSON object of numbers."
    )


@strawberry.input(description="A deployment to register (key <environment>/<name>).")
class DeploymentInput:
    name: str = strawberry.field(description="The deployment's name, e.g. credit-risk-api.")
    environment: str = strawberry.field(description="The environment, e.g. prod.")
    endpoint: str | None = strawberry.field(
        default=None, description="The URL that serves predictions."
    )
    strategy: str | None = strawberry.field(
        default=None, description="How versions share traffic, e.g. champion-challenger."
    )


@strawberry.input(description="A serving interval to record.")
class ServingInput:
    deployment: str = strawberry.field(description="The deployment's key, <environment>/<name>.")
    model_version: str = strawberry.field(description="The model version's key, <model>@<version>.")
    role: GqlServingRole = strawberry.field(  # type: ignore[valid-type]
        description="CHALLENGER, SHADOW or CANARY; CHAMPION is refused."
    )
    traffic_share: float = strawberry.field(
        default=1.0, description="Its share of traffic, 0.0 to 1.0; default 1.0."
    )
    valid_from: datetime = strawberry.field(description="When it began serving.")
    valid_to: datetime | None = strawberry.field(
        default=None, description="When it stopped; null: still serving."
    )
    reason: str | None = strawberry.field(default=None, description="Why, kept on the audit event.")
    changed_by: str | None = strawberry.field(
        default=None, description="Who made the change (an email), if not the caller."
    )


@strawberry.input(description="A prediction to record.")
class PredictionInput:
    key: str = strawberry.field(description="The prediction's id, its key.")
    deployment: str = strawberry.field(description="The key of the deployment that made it.")
    model_version: str = strawberry.field(description="The key of the model version that made it.")
    time: datetime = strawberry.field(description="When it was made.")
    output: str | None = strawberry.field(
        default=None, description="What the model answered, as text."
    )


@strawberry.input(description="An ownership to record.")
class OwnershipInput:
    owner: strawberry.ID = strawberry.field(
        description="The owner's id: Person:<email>, Team:<key> or ServiceAccount:<key>."
    )
    target: strawberry.ID = strawberry.field(description="The id of the thing owned.")
    role: GqlOwnerRole = strawberry.field(  # type: ignore[valid-type]
        description="What the owner answers for."
    )
    valid_from: datetime | None = strawberry.field(
        default=None, description="Since when; default now."
    )
    valid_to: datetime | None = strawberry.field(
        default=None, description="Until when (exclusive); null: open."
    )


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
    async def register_person(
        self,
        info: Info[Context, None],
        input: Annotated[PersonInput, strawberry.argument(description=_INPUT)],
    ) -> Person:
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

    @strawberry.mutation(description="Register or update a team (key: a slug).")
    async def register_team(
        self,
        info: Info[Context, None],
        input: Annotated[NamedInput, strawberry.argument(description=_INPUT)],
    ) -> Team:
        return await _register_keyed(info, Kind.TEAM, input)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Register or update a service account: an automated actor (key: a slug)."
    )
    async def register_service_account(
        self,
        info: Info[Context, None],
        input: Annotated[NamedInput, strawberry.argument(description=_INPUT)],
    ) -> CatalogNode:
        return await _register_keyed(info, Kind.SERVICE_ACCOUNT, input)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Register a classification; a restricted one (PII) hides the schema and "
        "samples of what it classifies from callers without its clearance. `restricted` is "
        "set when the classification is created; changing it later is "
        "setClassificationRestricted's (admin, with a reason)."
    )
    async def register_classification(
        self,
        info: Info[Context, None],
        input: Annotated[ClassificationInput, strawberry.argument(description=_INPUT)],
    ) -> CatalogNode:
        key = check_key(input.key, path=["input", "key"])
        props = {"name": input.name, "description": input.description,
                 "restricted": input.restricted}  # fmt: skip
        governed = {"restricted": "setClassificationRestricted (admin, with a reason)"}
        command = RegisterCommand(Kind.CLASSIFICATION, key, props, governed=governed)
        return await _register(info, command)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Register or update a job (key: a slug).")
    async def register_job(
        self,
        info: Info[Context, None],
        input: Annotated[NamedInput, strawberry.argument(description=_INPUT)],
    ) -> Job:
        return await _register_keyed(info, Kind.JOB, input)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Register or update a dataset (key: a slug).")
    async def register_dataset(
        self,
        info: Info[Context, None],
        input: Annotated[DatasetInput, strawberry.argument(description=_INPUT)],
    ) -> Dataset:
        return await _register_keyed(info, Kind.DATASET, input)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Register a dataset version (key: <dataset>@<version>).")
    async def register_dataset_version(
        self,
        info: Info[Context, None],
        input: Annotated[DatasetVersionInput, strawberry.argument(description=_INPUT)],
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

    @strawberry.mutation(description="Register or update a feature.")
    async def register_feature(
        self,
        info: Info[Context, None],
        input: Annotated[FeatureInput, strawberry.argument(description=_INPUT)],
    ) -> Feature:
        command = commands.feature(
            key=input.key, name=input.name, description=input.description, dtype=input.dtype,
            tags=input.tags, at=commands.graphql_input,
        )  # fmt: skip
        return await _register(info, command)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Register a commit (key: <repo>@<sha>).")
    async def register_code_commit(
        self,
        info: Info[Context, None],
        input: Annotated[CodeCommitInput, strawberry.argument(description=_INPUT)],
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
    async def record_run(
        self,
        info: Info[Context, None],
        input: Annotated[RunInput, strawberry.argument(description=_INPUT)],
    ) -> Run:
        command = commands.run(
            run_id=input.run_id, job=input.job, run_kind=RunKind(input.run_kind),
            status=RunStatus(input.status), started_at=input.started_at,
            ended_at=input.ended_at, parameters=input.parameters, environment=input.environment,
            code_commit=input.code_commit, triggered_by=input.triggered_by, used=input.used,
            generated=input.generated, addresses=input.addresses, at=commands.graphql_input,
            error=None if input.error is None else commands.RunFailure(
                input.error.message, input.error.programming_language, input.error.stack_trace),
        )  # fmt: skip
        return await _register(info, command)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Register or update a model (key: a slug); versions come from "
        "registerModelVersion."
    )
    async def register_model(
        self,
        info: Info[Context, None],
        input: Annotated[ModelInput, strawberry.argument(description=_INPUT)],
    ) -> Model:
        return await _register_keyed(info, Kind.MODEL, input)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Register a model version (key: <model>@<version>).")
    async def register_model_version(
        self,
        info: Info[Context, None],
        input: Annotated[ModelVersionInput, strawberry.argument(description=_INPUT)],
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
        self,
        info: Info[Context, None],
        input: Annotated[DeploymentInput, strawberry.argument(description=_INPUT)],
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
    async def record_serving(
        self,
        info: Info[Context, None],
        input: Annotated[ServingInput, strawberry.argument(description=_INPUT)],
    ) -> Deployment:
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

    @strawberry.mutation(
        description="Record one prediction (bulk loads are for many), MADE_BY a deployment "
        "and a model version that must exist."
    )
    async def record_prediction(
        self,
        info: Info[Context, None],
        input: Annotated[PredictionInput, strawberry.argument(description=_INPUT)],
    ) -> Prediction:
        key = check_key(input.key, path=["input", "key"])
        # The deployment and model_version properties come from the MADE_BY refs
        # (PROPERTY_LINKS), as every write path stores them.
        props = {"time": input.time, "output": input.output}
        refs = [
            _input_ref(["deployment"], Rel.MADE_BY, Kind.DEPLOYMENT, input.deployment),
            _input_ref(["modelVersion"], Rel.MADE_BY, Kind.MODEL_VERSION, input.model_version),
        ]
        return await _register(info, RegisterCommand(Kind.PREDICTION, key, props, refs))  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Record that an agent owns a thing from validFrom on (reason required)."
    )
    async def set_owner(
        self,
        info: Info[Context, None],
        input: Annotated[OwnershipInput, strawberry.argument(description=_INPUT)],
        reason: Reason,
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
        target: NodeId,
        classifications: Annotated[
            list[str],
            strawberry.argument(
                description="Classification keys to add (e.g. PII); each must be registered."
            ),
        ],
        reason: Reason,
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
