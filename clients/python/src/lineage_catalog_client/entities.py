"""Writes that register things and record what happened: one typed method per mutation.

Each is idempotent by key (sending the same input again changes nothing) and returns the
node's id, `<Kind>:<key>`, which lineage arguments (`used`, `generated`, `target`) take."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lineage_catalog_client._base import Connection, plain
from lineage_catalog_client.types import RunKind, RunStatus, SchemaField, ServingRole


class EntityWrites(Connection):
    """register* and record* mutations."""

    def _write(
        self, mutation: str, input_type: str, fields: Mapping[str, object], selection: str = "id"
    ) -> Any:
        """One mutation taking `input: <input_type>!`; fields left None are not sent."""
        # mutation and input_type are this module's constants, never user input.
        query = f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {selection} }} }}"
        given = {name: plain(value) for name, value in fields.items() if value is not None}
        result = self.execute(query, {"input": given})[mutation]
        return result["id"] if selection == "id" else result

    def register_person(
        self,
        email: str,
        *,
        name: str | None = None,
        handle: str | None = None,
        teams: Sequence[str] | None = None,
    ) -> str:
        """Register or update a person; returns `Person:<email>`."""
        fields: dict[str, object] = {"email": email, "name": name, "handle": handle, "teams": teams}
        return str(self._write("registerPerson", "PersonInput", fields))

    def register_team(
        self, key: str, *, name: str | None = None, description: str | None = None
    ) -> str:
        """Register or update a team; returns `Team:<key>`."""
        fields: dict[str, object] = {"key": key, "name": name, "description": description}
        return str(self._write("registerTeam", "NamedInput", fields))

    def register_service_account(
        self, key: str, *, name: str | None = None, description: str | None = None
    ) -> str:
        """Register or update a service account (an automated actor); `ServiceAccount:<key>`."""
        fields: dict[str, object] = {"key": key, "name": name, "description": description}
        return str(self._write("registerServiceAccount", "NamedInput", fields))

    def register_classification(
        self,
        key: str,
        *,
        name: str | None = None,
        description: str | None = None,
        restricted: bool | None = None,
    ) -> str:
        """Register a classification (PII, SENSITIVE, ...); `Classification:<key>`."""
        fields: dict[str, object] = {
            "key": key,
            "name": name,
            "description": description,
            "restricted": restricted,
        }
        return str(self._write("registerClassification", "ClassificationInput", fields))

    def register_job(
        self, key: str, *, name: str | None = None, description: str | None = None
    ) -> str:
        """Register or update a job; returns `Job:<key>`."""
        fields: dict[str, object] = {"key": key, "name": name, "description": description}
        return str(self._write("registerJob", "NamedInput", fields))

    def register_dataset(
        self,
        key: str,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: Sequence[str] | None = None,
        platform: str | None = None,
        location: str | None = None,
    ) -> str:
        """Register or update a dataset (tags given replace its tags); `Dataset:<key>`."""
        fields: dict[str, object] = {
            "key": key,
            "name": name,
            "description": description,
            "tags": tags,
        }
        fields |= {"platform": platform, "location": location}
        return str(self._write("registerDataset", "DatasetInput", fields))

    def register_dataset_version(
        self,
        dataset: str,
        version: str,
        *,
        content_hash: str | None = None,
        location: str | None = None,
        row_count: int | None = None,
        schema: Sequence[SchemaField | Mapping[str, Any]] | None = None,
        sample: object = None,
        created_at: datetime | None = None,
    ) -> str:
        """Register a version of a registered dataset; `DatasetVersion:<dataset>@<version>`."""
        columns = None
        if schema is not None:
            columns = [_column(c) for c in schema]
        fields: dict[str, object] = {
            "dataset": dataset,
            "version": version,
            "contentHash": content_hash,
        }
        fields |= {"location": location, "rowCount": row_count, "schema": columns}
        fields |= {"sample": sample, "createdAt": created_at}
        return str(self._write("registerDatasetVersion", "DatasetVersionInput", fields))

    def register_feature(
        self,
        key: str,
        *,
        name: str | None = None,
        description: str | None = None,
        dtype: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> str:
        """Register or update a feature; returns `Feature:<key>`."""
        fields: dict[str, object] = {
            "key": key,
            "name": name,
            "description": description,
            "dtype": dtype,
        }
        fields["tags"] = tags
        return str(self._write("registerFeature", "FeatureInput", fields))

    def register_code_commit(
        self,
        repo: str,
        sha: str,
        *,
        message: str | None = None,
        author: str | None = None,
        authored_at: datetime | None = None,
    ) -> str:
        """Register a commit (author: a registered person's email); `CodeCommit:<repo>@<sha>`."""
        fields: dict[str, object] = {"repo": repo, "sha": sha, "message": message, "author": author}
        fields["authoredAt"] = authored_at
        return str(self._write("registerCodeCommit", "CodeCommitInput", fields))

    def register_model(
        self,
        key: str,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> str:
        """Register or update a model; returns `Model:<key>`."""
        fields: dict[str, object] = {
            "key": key,
            "name": name,
            "description": description,
            "tags": tags,
        }
        return str(self._write("registerModel", "ModelInput", fields))

    def register_model_version(
        self,
        model: str,
        version: str,
        *,
        artifact_uri: str | None = None,
        metrics: Mapping[str, Any] | None = None,
    ) -> str:
        """Register a version of a model, at stage `registered`; `ModelVersion:<model>@<v>`."""
        fields: dict[str, object] = {"model": model, "version": version}
        fields |= {"artifactUri": artifact_uri, "metrics": metrics}
        return str(self._write("registerModelVersion", "ModelVersionInput", fields))

    def register_deployment(
        self,
        name: str,
        environment: str,
        *,
        endpoint: str | None = None,
        strategy: str | None = None,
    ) -> str:
        """Register a deployment; returns `Deployment:<environment>/<name>`."""
        fields: dict[str, object] = {"name": name, "environment": environment}
        fields |= {"endpoint": endpoint, "strategy": strategy}
        return str(self._write("registerDeployment", "DeploymentInput", fields))

    def record_run(
        self,
        run_id: str,
        job: str,
        *,
        run_kind: RunKind = "TRANSFORMATION",
        status: RunStatus = "COMPLETED",
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
        parameters: Mapping[str, Any] | None = None,
        environment: Mapping[str, Any] | None = None,
        code_commit: str | None = None,
        triggered_by: str | None = None,
        used: Sequence[str] | None = None,
        generated: Sequence[str] | None = None,
        addresses: Sequence[str] | None = None,
    ) -> str:
        """Record a run of a registered job in one call (run() is the `with` block);
        code_commit: `<repo>@<sha>` or its id; triggered_by: an agent's id; addresses: keys of
        the incidents it addresses (a retraining run). `Run:<run id>`."""
        fields: dict[str, object] = {
            "runId": run_id,
            "job": job,
            "runKind": run_kind,
            "status": status,
        }
        fields |= {"startedAt": started_at, "endedAt": ended_at}
        fields |= {"parameters": parameters, "environment": environment}
        commit = code_commit.removeprefix("CodeCommit:") if code_commit else None
        fields |= {"codeCommit": commit, "triggeredBy": triggered_by}
        fields |= {"used": used, "generated": generated}
        fields["addresses"] = None if addresses is None else list(addresses)
        return str(self._write("recordRun", "RunInput", fields))

    def record_serving(
        self,
        deployment: str,
        model_version: str,
        *,
        role: ServingRole,
        valid_from: datetime,
        traffic_share: float = 1.0,
        valid_to: datetime | None = None,
        reason: str | None = None,
        changed_by: str | None = None,
    ) -> str:
        """Record that a deployment (`<env>/<name>`) served a model version (`<model>@<v>`) as
        challenger, shadow or canary; a champion comes only from promote_to_champion."""
        fields: dict[str, object] = {
            "deployment": deployment,
            "modelVersion": model_version,
            "role": role,
        }
        fields |= {"trafficShare": traffic_share, "validFrom": valid_from, "validTo": valid_to}
        fields |= {"reason": reason, "changedBy": changed_by}
        return str(self._write("recordServing", "ServingInput", fields))

    def record_prediction(
        self,
        key: str,
        *,
        deployment: str,
        model_version: str,
        time: datetime,
        output: str | None = None,
    ) -> str:
        """Record one prediction made by a deployment and model version (bulk loads are for
        many); returns `Prediction:<key>`."""
        fields: dict[str, object] = {
            "key": key,
            "deployment": deployment,
            "modelVersion": model_version,
        }
        fields |= {"time": time, "output": output}
        return str(self._write("recordPrediction", "PredictionInput", fields))


def _column(column: SchemaField | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(column, SchemaField):
        return {"name": column.name, "type": column.type, "description": column.description}
    return column
