"""The governed part of the demo: KPIs, model cards and a pending four-eyes promotion request,
recorded through the lifecycle use cases (so each one is audited like a real change)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lineage_catalog.demo import MODELS, PEOPLE
from lineage_catalog.domain.auth import Actor, Interface
from lineage_catalog.domain.model import Kind, uid
from lineage_catalog.services import lifecycle
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.lifecycle import Kpi, KpiDirection


@dataclass(frozen=True)
class _Card:
    intended_use: str
    business_goal: str
    stakeholders: tuple[str, ...]
    known_risks: tuple[str, ...]
    failure_modes: tuple[str, ...]
    fairness: tuple[dict[str, Any], ...]
    limitations: str
    kpis: tuple[tuple[str, float], ...]  # metric, at least


CARDS = {
    "credit-risk": _Card(
        intended_use="Probability of default for consumer loan applications up to 50k EUR; "
        "a decision aid for underwriters, never the only ground for a refusal.",
        business_goal="Cut 90-day defaults on new loans while keeping the approval rate.",
        stakeholders=("Risk ML", "Credit underwriting", "Model risk management", "Compliance"),
        known_risks=(
            "Score drift on applicant segments absent from the training snapshot",
            "Debt-to-income is self-reported and can be inflated",
        ),
        failure_modes=("Thin-file applicants get uninformative scores near the base rate",),
        fairness=(
            {"attribute": "age_band", "metric": "approval_rate_ratio", "value": 0.93},
            {"attribute": "gender", "metric": "equal_opportunity_difference", "value": 0.02},
        ),
        limitations="Not validated for business loans or for applicants outside the EU.",
        kpis=(("auc", 0.78), ("ks", 0.4)),
    ),
    "churn": _Card(
        intended_use="Weekly churn risk of active subscribers, to target retention offers.",
        business_goal="Lower monthly churn of paying subscribers by one point.",
        stakeholders=("Growth ML", "Lifecycle marketing", "Customer support"),
        known_risks=("Offers sent on false positives cost margin",),
        failure_modes=("Subscribers with fewer than 4 weeks of sessions are scored poorly",),
        fairness=({"attribute": "region", "metric": "recall_ratio", "value": 0.9},),
        limitations="Trained on web sessions only; app-only subscribers are under-represented.",
        kpis=(("auc", 0.71), ("recall_at_10", 0.32)),
    ),
}


def _person(index: int) -> Actor:
    return Actor(uid(Kind.PERSON, PEOPLE[index][0]), False, Interface.CLI, "demo-load")


async def record_demo_lifecycle(graph: Graph) -> None:
    """KPIs on each demo model (by its business owner), a card on each version (by its
    scientist), and a pending promotion request for the newest staging version."""
    for spec in MODELS:
        card = CARDS[spec.key]
        owner, scientist = _person(spec.owner), _person(spec.scientist)
        await lifecycle.set_model_kpis(
            graph, actor=owner, model=spec.key,
            kpis=[Kpi(m, t, KpiDirection.AT_LEAST) for m, t in card.kpis],
            reason="KPIs agreed with model risk management",
        )  # fmt: skip
        content = {
            "intended_use": card.intended_use, "business_goal": card.business_goal,
            "stakeholders": list(card.stakeholders), "known_risks": list(card.known_risks),
            "failure_modes": list(card.failure_modes),
            "fairness_evaluations": list(card.fairness), "limitations": card.limitations,
        }  # fmt: skip
        staging = []
        for n in range(1, len(spec.trained) + 1):
            version = f"{spec.key}@{n}"
            await lifecycle.update_model_card(
                graph, actor=scientist, model_version=version, card=content,
                reason="model card written at release",
            )  # fmt: skip
            found = await lifecycle.model_card(graph, model_version=version)
            if found is not None and found.evidence.node.get("stage") == "staging":
                staging.append(version)
        if staging:
            await lifecycle.request_promotion(
                graph, actor=scientist, model_version=staging[-1],
                reason="ready for production after its challenger period",
            )  # fmt: skip
