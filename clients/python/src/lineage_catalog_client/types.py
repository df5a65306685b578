"""Values the API's enums take, and what its non-node writes answer, as typed Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

RunKind = Literal["TRANSFORMATION", "TRAINING", "EVALUATION", "INFERENCE_BATCH", "OTHER"]
RunStatus = Literal["RUNNING", "COMPLETED", "FAILED", "ABORTED"]
Stage = Literal["STAGING", "ARCHIVED"]
ServingRole = Literal["CHAMPION", "CHALLENGER", "SHADOW", "CANARY"]
OwnerRole = Literal["TECHNICAL_OWNER", "BUSINESS_OWNER", "STEWARD"]
Role = Literal["READER", "WRITER", "APPROVER", "ADMIN"]
KpiDirection = Literal["AT_LEAST", "AT_MOST"]
LoadKind = Literal["predictions", "dataset_versions", "features", "runs", "edges"]


@dataclass(frozen=True)
class SchemaField:
    """A column of a dataset version's schema."""

    name: str
    type: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Kpi:
    """A threshold a model's evaluations must meet before a promotion to production."""

    metric: str
    threshold: float
    direction: KpiDirection = "AT_LEAST"


@dataclass(frozen=True)
class Approval:
    """A promotion request and its decision."""

    key: str
    status: str
    to_stage: str
    model_version: str
    requested_by: str
    decided_by: str | None
    decision_reason: str | None


@dataclass(frozen=True)
class ModelCard:
    """A model version's card, as the catalog keeps it after an update."""

    model_version: str
    intended_use: str | None
    business_goal: str | None
    stakeholders: list[str]
    known_risks: list[str]
    failure_modes: list[str]
    fairness_evaluations: list[Any]
    limitations: str | None
    updated_by: str | None


@dataclass(frozen=True)
class Account:
    """A person's or service account's access: roles, clearances, whether it may sign in."""

    id: str
    roles: list[str]
    clearances: list[str]
    active: bool


@dataclass(frozen=True)
class IssuedToken:
    """A new API token; `token` is the secret, shown this once."""

    token_id: str
    token: str
    account: str


@dataclass(frozen=True)
class Classification:
    """A classification and whether it restricts what it classifies."""

    key: str
    restricted: bool
