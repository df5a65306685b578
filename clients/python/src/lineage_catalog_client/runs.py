"""Runs as `with` blocks, and evaluations through recordEvaluation."""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from lineage_catalog_client.entities import EntityWrites
from lineage_catalog_client.errors import CatalogError, CatalogUnavailable
from lineage_catalog_client.types import RunKind

_MAX_MESSAGE = 2000
_MAX_TRACE = 20_000


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


class RunWrites(EntityWrites):
    """run() and log_evaluation()."""

    @contextmanager
    def run(
        self,
        job: str,
        *,
        run_kind: RunKind = "TRANSFORMATION",
        run_id: str | None = None,
        code_commit: str | None = None,
        triggered_by: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        environment: Mapping[str, Any] | None = None,
        addresses: Sequence[str] | None = None,
    ) -> Iterator[RunRecorder]:
        """Record a run of `job` (code_commit: `<repo>@<sha>` or its id) as RUNNING, then
        COMPLETED; FAILED (ABORTED on KeyboardInterrupt) if the block raises, and FAILED with
        the catalog's reason if the catalog refuses the final record (then raised).
        `addresses`: keys of the incidents the run addresses (a retraining run)."""
        self.register_job(job)
        recorder = RunRecorder(run_id or f"{job}-{uuid.uuid4().hex[:12]}", parameters)
        base: dict[str, object] = {"runId": recorder.run_id, "job": job, "runKind": run_kind}
        env = dict(environment or {})
        base |= {"startedAt": datetime.now(UTC), "environment": env}
        commit = code_commit.removeprefix("CodeCommit:") if code_commit else None
        base |= {"codeCommit": commit, "triggeredBy": triggered_by}
        base["addresses"] = None if addresses is None else list(addresses)
        self._write(
            "recordRun", "RunInput", {**base, "status": "RUNNING", "parameters": parameters}
        )
        try:
            yield recorder
        except BaseException as e:
            # KeyboardInterrupt and the like stop a run rather than fail it.
            status = "FAILED" if isinstance(e, Exception) else "ABORTED"
            failure = {
                "message": (f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)[
                    :_MAX_MESSAGE
                ],
                "programmingLanguage": "python",
                "stackTrace": "".join(traceback.format_exception(e))[-_MAX_TRACE:],
            }
            try:
                refused = self._finish(base, recorder, status, env, failure=failure)
            except CatalogError as not_recorded:
                # The pipeline's own error matters more; keep it, and say what else went wrong.
                e.add_note(f"lineage-catalog could not mark run {recorder.run_id}: {not_recorded}")
            else:
                if refused is not None:
                    e.add_note(
                        f"lineage-catalog refused the final record of run {recorder.run_id} "
                        f"({refused}); it is recorded as {status} without what was refused"
                    )
            raise
        try:
            refused = self._finish(base, recorder, "COMPLETED", env, failure=None)
        except CatalogError as not_recorded:
            not_recorded.add_note(f"run {recorder.run_id} may still be recorded as RUNNING")
            raise
        if refused is not None:
            refused.add_note(
                f"run {recorder.run_id} is recorded as FAILED with this reason as its error"
            )
            raise refused

    def _finish(
        self,
        base: dict[str, object],
        recorder: RunRecorder,
        status: str,
        environment: dict[str, Any],
        *,
        failure: dict[str, str] | None,
    ) -> CatalogError | None:
        """Send a run's final record; when the catalog refuses it, record the run as failed
        with the catalog's reason instead and return the refusal."""
        final: dict[str, object] = {
            "status": status,
            "endedAt": datetime.now(UTC),
            "parameters": recorder.parameters,
        }
        final |= {"used": recorder.used_ids, "generated": recorder.generated_ids}
        if failure is not None:
            final["error"] = failure
        try:
            self._write("recordRun", "RunInput", base | final)
        except CatalogUnavailable:
            raise
        except CatalogError as refused:
            # What the run reported was refused (an unknown version, a value the catalog cannot
            # store): the run itself, as it was accepted when it started, is still recorded as
            # ended, so that it is not left RUNNING.
            reason = f"the catalog refused the run's final record: {refused}"
            ended: dict[str, object] = {"status": "FAILED" if status == "COMPLETED" else status}
            ended |= {"endedAt": final["endedAt"]}
            ended["error"] = {"message": reason[:_MAX_MESSAGE]}
            self._write("recordRun", "RunInput", base | ended)
            return refused
        return None

    def log_evaluation(
        self,
        model_version: str,
        *,
        metrics: Mapping[str, float],
        key: str | None = None,
        dataset_versions: Sequence[str] = (),
        slice: str | None = None,
        run_id: str | None = None,
        job: str | None = None,
        created_at: datetime | None = None,
        reason: str | None = None,
    ) -> str:
        """Record an Evaluation of a model version (`<model>@<version>` or its id) through
        recordEvaluation: what promotions check against the model's KPIs. An EVALUATION run
        (run_id, of `job` when given) used the version and dataset versions and generated
        it. Returns `Evaluation:<key>`; without a key, one is made up."""
        version = model_version.removeprefix("ModelVersion:")
        if job is not None:
            self.register_job(job)
        key = key or f"{version.replace('@', '-')}-eval-{uuid.uuid4().hex[:12]}"
        fields: dict[str, object] = {"key": key, "modelVersion": version, "metrics": metrics}
        fields |= {"datasetVersions": list(dataset_versions) or None, "slice": slice}
        fields |= {"runId": run_id, "job": job, "createdAt": created_at, "reason": reason}
        return str(self._write("recordEvaluation", "EvaluationInput", fields))
