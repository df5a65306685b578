"""Governed writes: ownership, classification, the model lifecycle, model cards, accounts.

Each needs the role the API's schema names for it and, where the catalog asks for one, a
reason, which the audit event keeps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lineage_catalog_client.entities import EntityWrites
from lineage_catalog_client.types import (
    Account,
    Approval,
    Classification,
    IssuedToken,
    Kpi,
    ModelCard,
    OwnerRole,
    Role,
    ServingRole,
    Stage,
)

_APPROVAL = "key status toStage modelVersion requestedBy decidedBy decisionReason"
_ACCOUNT = "id roles clearances active"
_CARD = (
    "modelVersion intendedUse businessGoal stakeholders knownRisks failureModes "
    "fairnessEvaluations limitations updatedBy"
)


class GovernanceWrites(EntityWrites):
    """Mutations that change who owns, may see, may do or may serve what."""

    def _call(self, mutation: str, args: Mapping[str, tuple[str, object]], selection: str) -> Any:
        """One mutation with typed arguments (`name: (GraphQL type, value)`); its result."""
        # Names and types are this module's constants; every value travels as a variable.
        declared = ", ".join(f"${name}: {kind}" for name, (kind, _) in args.items())
        passed = ", ".join(f"{name}: ${name}" for name in args)
        body = f" {{ {selection} }}" if selection else ""
        query = f"mutation({declared}) {{ {mutation}({passed}){body} }}"
        return self.execute(query, {name: value for name, (_, value) in args.items()})[mutation]

    def set_owner(
        self,
        owner: str,
        target: str,
        *,
        role: OwnerRole,
        reason: str,
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
    ) -> str:
        """Record that an agent (its id) owns a thing (its id) from valid_from on; the
        target's id."""
        ownership: dict[str, object] = {"owner": owner, "target": target, "role": role}
        ownership |= {"validFrom": valid_from, "validTo": valid_to}
        given = {k: v for k, v in ownership.items() if v is not None}
        args = {"input": ("OwnershipInput!", given), "reason": ("String!", reason)}
        return str(self._call("setOwner", args, "id")["id"])

    def classify(self, target: str, classifications: Sequence[str], *, reason: str) -> str:
        """Classify a node (its id) with registered classification keys; the node's id."""
        args = {
            "target": ("ID!", target),
            "classifications": ("[String!]!", list(classifications)),
            "reason": ("String!", reason),
        }
        return str(self._call("classify", args, "id")["id"])

    def classify_column(
        self, target: str, column: str, classifications: Sequence[str], *, reason: str
    ) -> str:
        """Classify one column of a dataset version (its id); the version's id. Column
        classifications propagate through column lineage, not through masking or
        aggregation (docs/governance.md)."""
        args = {
            "target": ("ID!", target),
            "column": ("String!", column),
            "classifications": ("[String!]!", list(classifications)),
            "reason": ("String!", reason),
        }
        return str(self._call("classifyColumn", args, "id")["id"])

    def set_classification_restricted(
        self, key: str, *, restricted: bool, reason: str
    ) -> Classification:
        """Restrict a classification, or lift the restriction (admin)."""
        args = {
            "key": ("String!", key),
            "restricted": ("Boolean!", restricted),
            "reason": ("String!", reason),
        }
        found = self._call("setClassificationRestricted", args, "key restricted")
        return Classification(key=found["key"], restricted=found["restricted"])

    def transition_stage(self, model_version: str, stage: Stage, *, reason: str) -> str:
        """Move a version (`<model>@<version>`) to STAGING or ARCHIVED; production comes only
        through an approved promotion. Returns the stage now, in lower case."""
        args = {
            "modelVersion": ("String!", model_version),
            "stage": ("Stage!", stage),
            "reason": ("String!", reason),
        }
        return str(self._call("transitionStage", args, "stage")["stage"])

    def set_model_kpis(self, model: str, kpis: Sequence[Kpi], *, reason: str) -> list[Kpi]:
        """Replace a model's KPIs (an empty list clears them); the KPIs now."""
        given = [
            {"metric": k.metric, "threshold": k.threshold, "direction": k.direction} for k in kpis
        ]
        args = {
            "model": ("String!", model),
            "kpis": ("[KpiInput!]!", given),
            "reason": ("String!", reason),
        }
        stored = self._call("setModelKpis", args, "metric threshold direction")
        return [Kpi(k["metric"], float(k["threshold"]), k["direction"]) for k in stored]

    def request_promotion(
        self, model_version: str, *, reason: str, incident: str | None = None
    ) -> Approval:
        """Ask for a staging version to go to production; another person approves. `incident`:
        the key of an incident the request answers (cited on it)."""
        args: dict[str, tuple[str, object]] = {
            "modelVersion": ("String!", model_version),
            "reason": ("String!", reason),
        }
        args |= {"incident": ("String", incident)}
        return _approval(self._call("requestPromotion", args, _APPROVAL))

    def approve_promotion(
        self, approval: str, *, reason: str, incident: str | None = None
    ) -> Approval:
        """Approve a promotion request (its key): four eyes, every KPI met; `incident`: the
        key of an incident the approval cites."""
        args: dict[str, tuple[str, object]] = {
            "approval": ("String!", approval),
            "reason": ("String!", reason),
        }
        args |= {"incident": ("String", incident)}
        return _approval(self._call("approvePromotion", args, _APPROVAL))

    def reject_promotion(self, approval: str, *, reason: str) -> Approval:
        """Reject a pending promotion request."""
        args = {"approval": ("String!", approval), "reason": ("String!", reason)}
        return _approval(self._call("rejectPromotion", args, _APPROVAL))

    def deploy_model_version(
        self,
        deployment: str,
        model_version: str,
        *,
        role: ServingRole,
        traffic_share: float,
        reason: str,
        incident: str | None = None,
    ) -> str:
        """Start serving a version at a deployment now as challenger, shadow or canary
        (`incident`: the key of an incident it answers); the deployment's id."""
        given: dict[str, object] = {
            "deployment": deployment,
            "modelVersion": model_version,
            "role": role,
        }
        given |= {"trafficShare": traffic_share, "reason": reason}
        if incident is not None:
            given["incident"] = incident
        args = {"input": ("DeployModelVersionInput!", given)}
        return str(self._call("deployModelVersion", args, "id")["id"])

    def promote_to_champion(
        self, deployment: str, model_version: str, *, reason: str, incident: str | None = None
    ) -> str:
        """Make a production version, warmed up as challenger, the deployment's champion;
        `incident`: the key of an incident the promotion cites."""
        args = {
            "deployment": ("String!", deployment),
            "modelVersion": ("String!", model_version),
            "reason": ("String!", reason),
            "incident": ("String", incident),
        }
        return str(self._call("promoteToChampion", args, "id")["id"])

    def rollback(self, deployment: str, *, reason: str, incident: str | None = None) -> str:
        """End the current champion; the previous champion serves again. `incident`: the key
        of an incident the rollback cites."""
        args: dict[str, tuple[str, object]] = {
            "deployment": ("String!", deployment),
            "reason": ("String!", reason),
        }
        args |= {"incident": ("String", incident)}
        return str(self._call("rollback", args, "id")["id"])

    def update_model_card(
        self,
        model_version: str,
        *,
        intended_use: str | None = None,
        business_goal: str | None = None,
        stakeholders: Sequence[str] | None = None,
        known_risks: Sequence[str] | None = None,
        failure_modes: Sequence[str] | None = None,
        fairness_evaluations: Sequence[Mapping[str, Any]] | None = None,
        limitations: str | None = None,
        reason: str | None = None,
    ) -> ModelCard:
        """Change the fields given of a version's model card (the rest stay as they are)."""
        card: dict[str, object] = {"intendedUse": intended_use, "businessGoal": business_goal}
        card |= {"stakeholders": stakeholders, "knownRisks": known_risks}
        card |= {"failureModes": failure_modes, "fairnessEvaluations": fairness_evaluations}
        card |= {"limitations": limitations}
        args = {
            "modelVersion": ("String!", model_version),
            "card": ("ModelCardInput!", {k: v for k, v in card.items() if v is not None}),
            "reason": ("String", reason),
        }
        found = self._call("updateModelCard", args, _CARD)
        return ModelCard(
            model_version=found["modelVersion"],
            intended_use=found["intendedUse"],
            business_goal=found["businessGoal"],
            stakeholders=found["stakeholders"],
            known_risks=found["knownRisks"],
            failure_modes=found["failureModes"],
            fairness_evaluations=found["fairnessEvaluations"],
            limitations=found["limitations"],
            updated_by=found["updatedBy"],
        )

    def create_account(
        self,
        account: str,
        *,
        roles: Sequence[Role],
        reason: str,
        name: str | None = None,
        clearances: Sequence[str] = (),
    ) -> Account:
        """Create or update an account (`Person:<email>` or `ServiceAccount:<key>`; admin)."""
        given: dict[str, object] = {
            "id": account,
            "roles": list(roles),
            "clearances": list(clearances),
        }
        if name is not None:
            given["name"] = name
        args = {"input": ("AccountInput!", given), "reason": ("String!", reason)}
        return _account(self._call("createAccount", args, _ACCOUNT))

    def set_access(
        self,
        account: str,
        *,
        reason: str,
        roles: Sequence[Role] | None = None,
        clearances: Sequence[str] | None = None,
    ) -> Account:
        """Set an account's roles and/or clearances (None: unchanged; admin)."""
        args = {
            "account": ("ID!", account),
            "reason": ("String!", reason),
            "roles": ("[Role!]", None if roles is None else list(roles)),
            "clearances": ("[String!]", None if clearances is None else list(clearances)),
        }
        return _account(self._call("setAccess", args, _ACCOUNT))

    def disable_account(self, account: str, *, reason: str) -> Account:
        """Disable an account: its tokens stop working at once (admin)."""
        args = {"account": ("ID!", account), "reason": ("String!", reason)}
        return _account(self._call("disableAccount", args, _ACCOUNT))

    def enable_account(self, account: str, *, reason: str) -> Account:
        """Enable a disabled account again (admin)."""
        args = {"account": ("ID!", account), "reason": ("String!", reason)}
        return _account(self._call("enableAccount", args, _ACCOUNT))

    def issue_token(
        self,
        account: str,
        *,
        name: str,
        expires_at: datetime | None = None,
        reason: str | None = None,
    ) -> IssuedToken:
        """A new API token for an account, its secret shown this once (admin)."""
        args = {
            "account": ("ID!", account),
            "name": ("String!", name),
            "expiresAt": ("DateTime", expires_at),
            "reason": ("String", reason),
        }
        issued = self._call("issueToken", args, "tokenId token account")
        return IssuedToken(issued["tokenId"], issued["token"], issued["account"])

    def revoke_token(self, token_id: str, *, reason: str) -> str:
        """Revoke a token (by its id, not its secret) at once (admin); its account's id."""
        args = {"tokenId": ("String!", token_id), "reason": ("String!", reason)}
        return str(self._call("revokeToken", args, ""))


def _approval(found: Mapping[str, Any]) -> Approval:
    return Approval(
        key=found["key"],
        status=found["status"],
        to_stage=found["toStage"],
        model_version=found["modelVersion"],
        requested_by=found["requestedBy"],
        decided_by=found["decidedBy"],
        decision_reason=found["decisionReason"],
    )


def _account(found: Mapping[str, Any]) -> Account:
    return Account(found["id"], found["roles"], found["clearances"], found["active"])
