"""A typed Python client for the catalog's GraphQL API, for pipelines to report lineage.

Usage, errors and retries: docs/sdk.md.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

__all__ = ["CatalogClient", "CatalogError", "CatalogUnavailable", "RunRecorder"]

RETRYABLE_STATUS = frozenset({502, 503, 504})
RETRYABLE_CODES = frozenset({"UNAVAILABLE"})


class CatalogError(Exception):
    """An error the catalog (or the way to it) reported; `code` is its extensions.code."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.request_id = request_id

    def __str__(self) -> str:
        where = f" at {self.field}" if self.field else ""
        return f"{self.code}{where}: {self.message}"


class CatalogUnavailable(CatalogError):
    """The catalog stayed unreachable or unavailable through every retry."""


class RunRecorder:
    """What a run read and wrote; sent to the catalog when its `with` block ends."""

    def __init__(self, run_id: str, parameters: Mapping[str, Any] | None = None) -> None:
        self.run_id = run_id
        self.id = f"Run:{run_id}"
        self.parameters: dict[str, Any] = dict(parameters or {})
        self.used_ids: list[str] = []
        self.generated_ids: list[str] = []

    def used(self, *ids: str) -> None:
        """Record entity versions (ids like `DatasetVersion:<dataset>@<version>`) this run read."""
        self.used_ids += [i for i in dict.fromkeys(ids) if i not in self.used_ids]

    def generated(self, *ids: str) -> None:
        """Record entity versions this run wrote."""
        self.generated_ids += [i for i in dict.fromkeys(ids) if i not in self.generated_ids]

    def set_parameters(self, values: Mapping[str, Any] | None = None, /, **more: Any) -> None:
        """Merge parameters (a mapping and/or keywords) into the run's parameters."""
        self.parameters.update(values or {}, **more)


class CatalogClient:
    """A synchronous client; every call retries while the catalog is briefly unavailable."""

    def __init__(
        self,
        url: str = "http://127.0.0.1:8000",
        *,
        token: str | None = None,
        timeout: float = 10.0,
        retries: int = 4,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if retries < 0 or backoff < 0:
            raise ValueError("retries and backoff cannot be negative")
        self.retries = retries
        self.backoff = backoff
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=url.rstrip("/"),
            headers=headers,
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> CatalogClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run a GraphQL operation and return its `data`; CatalogError on any error."""
        # One id for every attempt, so the server's logs tie the retries together.
        request_id = uuid.uuid4().hex
        payload = {"query": query, "variables": dict(variables or {})}
        last: CatalogError | None = None
        # Retrying is safe because every mutation is idempotent by key: a write that
        # reached the catalog before the connection dropped is simply written again.
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self._delay(attempt))
            try:
                return self._attempt(payload, request_id)
            except CatalogUnavailable as e:
                last = e
        assert last is not None
        raise CatalogUnavailable(
            f"gave up after {self.retries + 1} attempts: {last.message}",
            code=last.code,
            request_id=request_id,
        ) from last

    def _delay(self, attempt: int) -> float:
        # Exponential, with jitter so that many pipelines do not retry in lockstep.
        ceiling = self.backoff * 2 ** (attempt - 1)
        return random.uniform(ceiling / 2, ceiling)

    def _attempt(self, payload: dict[str, Any], request_id: str) -> dict[str, Any]:
        """One request; CatalogUnavailable when worth retrying, CatalogError when not."""
        try:
            response = self._http.post(
                "/graphql", json=payload, headers={"X-Request-ID": request_id}
            )
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
            raise CatalogUnavailable(
                f"{type(e).__name__}: {e}", code="UNAVAILABLE", request_id=request_id
            ) from e
        except httpx.HTTPError as e:
            raise CatalogError(str(e), code="REQUEST_FAILED", request_id=request_id) from e
        if response.status_code in RETRYABLE_STATUS:
            raise CatalogUnavailable(
                f"HTTP {response.status_code}", code="UNAVAILABLE", request_id=request_id
            )
        try:
            body = response.json()
        except ValueError:
            body = {}
        if isinstance(body, dict) and body.get("errors"):
            raise _error_from(body["errors"][0], request_id)
        data = body.get("data") if isinstance(body, dict) else None
        if response.is_error or not isinstance(data, dict):
            raise CatalogError(
                response.text[:500] or "no data in the response",
                code=f"HTTP_{response.status_code}",
                request_id=request_id,
            )
        return data

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
        return self._register("registerPerson", "PersonInput", fields)

    def register_job(
        self, key: str, *, name: str | None = None, description: str | None = None
    ) -> str:
        """Register or update a job; returns `Job:<key>`."""
        fields: dict[str, object] = {"key": key, "name": name, "description": description}
        return self._register("registerJob", "NamedInput", fields)

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
        """Register or update a dataset; returns `Dataset:<key>`."""
        fields: dict[str, object] = {
            "key": key,
            "name": name,
            "description": description,
            "tags": tags,
        }
        fields |= {"platform": platform, "location": location}
        return self._register("registerDataset", "DatasetInput", fields)

    def register_dataset_version(
        self,
        dataset: str,
        version: str,
        *,
        content_hash: str | None = None,
        location: str | None = None,
        row_count: int | None = None,
        schema: Sequence[Mapping[str, Any]] | None = None,
    ) -> str:
        """Register a version of a dataset; returns `DatasetVersion:<dataset>@<version>`."""
        fields: dict[str, object] = {
            "dataset": dataset,
            "version": version,
            "contentHash": content_hash,
        }
        fields |= {"location": location, "rowCount": row_count, "schema": schema}
        return self._register("registerDatasetVersion", "DatasetVersionInput", fields)

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
        return self._register("registerModel", "ModelInput", fields)

    def register_model_version(
        self,
        model: str,
        version: str,
        *,
        artifact_uri: str | None = None,
        metrics: Mapping[str, Any] | None = None,
    ) -> str:
        """Register a version of a model (stage `registered`; stages then move through the
        governed lifecycle); returns `ModelVersion:<model>@<version>`."""
        fields: dict[str, object] = {"model": model, "version": version}
        fields |= {"artifactUri": artifact_uri, "metrics": metrics}
        return self._register("registerModelVersion", "ModelVersionInput", fields)

    def register_code_commit(
        self,
        repo: str,
        sha: str,
        *,
        message: str | None = None,
        author: str | None = None,
        authored_at: datetime | None = None,
    ) -> str:
        """Register a commit (author: a person's email); returns `CodeCommit:<repo>@<sha>`."""
        fields: dict[str, object] = {"repo": repo, "sha": sha, "message": message, "author": author}
        fields["authoredAt"] = authored_at
        return self._register("registerCodeCommit", "CodeCommitInput", fields)

    @contextmanager
    def run(
        self,
        job: str,
        *,
        run_kind: str = "TRANSFORMATION",
        run_id: str | None = None,
        code_commit: str | None = None,
        triggered_by: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        environment: Mapping[str, Any] | None = None,
    ) -> Iterator[RunRecorder]:
        """Record a run of `job` as RUNNING, then COMPLETED, or FAILED if the block raises."""
        self.register_job(job)
        recorder = RunRecorder(run_id or f"{job}-{uuid.uuid4().hex[:12]}", parameters)
        base: dict[str, object] = {"runId": recorder.run_id, "job": job, "runKind": run_kind}
        base |= {"startedAt": datetime.now(UTC), "environment": environment}
        base |= {"codeCommit": code_commit, "triggeredBy": triggered_by}
        self._register(
            "recordRun", "RunInput", {**base, "status": "RUNNING", "parameters": parameters}
        )
        try:
            yield recorder
        except BaseException as e:
            # KeyboardInterrupt and the like stop a run rather than fail it.
            status = "FAILED" if isinstance(e, Exception) else "ABORTED"
            try:
                self._finish(base, recorder, status)
            except CatalogError as not_recorded:
                # The pipeline's own error matters more; keep it, and say what else went wrong.
                e.add_note(f"lineage-catalog could not mark run {recorder.run_id}: {not_recorded}")
            raise
        self._finish(base, recorder, "COMPLETED")

    def log_evaluation(
        self,
        job: str,
        model_version: str,
        *,
        metrics: Mapping[str, Any],
        dataset_version: str | None = None,
        run_id: str | None = None,
        code_commit: str | None = None,
        triggered_by: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> str:
        """Record an EVALUATION run that used the model version; returns `Run:<run id>`."""
        # The API has no mutation that creates Evaluation entities, so the metrics
        # travel in the run's parameters rather than in an entity the run generated.
        run_parameters = {**(parameters or {}), "metrics": dict(metrics)}
        with self.run(
            job,
            run_kind="EVALUATION",
            run_id=run_id,
            code_commit=code_commit,
            triggered_by=triggered_by,
            parameters=run_parameters,
        ) as run:
            run.used(model_version, *([dataset_version] if dataset_version else []))
        return run.id

    def _finish(self, base: dict[str, object], recorder: RunRecorder, status: str) -> None:
        finish = {"status": status, "endedAt": datetime.now(UTC), "parameters": recorder.parameters}
        finish |= {"used": recorder.used_ids, "generated": recorder.generated_ids}
        self._register("recordRun", "RunInput", base | finish)

    def _register(self, mutation: str, input_type: str, fields: Mapping[str, object]) -> str:
        """Run one register mutation with the given input fields; returns the node's id."""
        query = f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ id }} }}"
        given = {name: _plain(value) for name, value in fields.items() if value is not None}
        node_id: str = self.execute(query, {"input": given})[mutation]["id"]
        return node_id


def _error_from(error: Mapping[str, Any], request_id: str) -> CatalogError:
    """The first GraphQL error as a CatalogError (CatalogUnavailable when worth retrying)."""
    extensions = error.get("extensions") or {}
    code = str(extensions.get("code") or "GRAPHQL_ERROR")
    field = extensions.get("field")
    kind = CatalogUnavailable if code in RETRYABLE_CODES else CatalogError
    return kind(
        str(error.get("message", "unknown error")),
        code=code,
        field=str(field) if field is not None else None,
        request_id=request_id,
    )


def _plain(value: object) -> object:
    """A value as JSON: mappings as objects, sequences as arrays, datetimes in ISO 8601."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
