"""The monitoring story of the demo, from a real governance note: "I observed that the model
data in production had drifted significantly from the training data and decided to train and
deploy a new model version to replace the current version. This new model version is
performing well in testing and warm-up, and I have promoted the new version to challenger
testing status."

For the credit-risk model: the drift-monitor service account watches debt_to_income on the
production deployment; weekly profiles of its inputs (the catalog computes PSI against the
training data's profile) drift until one breaches and opens an incident; the model's owner
acknowledges it; a retraining run addresses it and generates a new version, which is
evaluated, deployed as challenger and promoted (four eyes), each step citing the incident;
the incident is resolved pointing at the new version. Every step goes through the same use
cases as the API, so each is audited; the profiles are seeded, so the story is the same on
every load."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

from lineage_catalog.demo import DEFAULT_NOW, PEOPLE
from lineage_catalog.domain import drift
from lineage_catalog.domain import monitoring as rules
from lineage_catalog.domain.auth import Actor, Interface
from lineage_catalog.domain.model import Kind, Rel, RunKind, RunStatus, ServingRole, Stage, uid
from lineage_catalog.domain.monitoring import BreachDirection, IncidentStatus, MonitorType, Severity
from lineage_catalog.services import commands, incidents, lifecycle, monitoring, registry, serving
from lineage_catalog.services.incident_links import IncidentRef
from lineage_catalog.services.registry import RegisterCommand
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.monitoring import Profile

MODEL, DEPLOYMENT, COLUMN = "credit-risk", "prod/credit-risk-api", "debt_to_income"
CHAMPION = f"{MODEL}@2"  # what the demo's history leaves serving as champion
NEW_VERSION = f"{MODEL}@5"
MONITOR = "credit-risk-dti-psi"
AGENT = "drift-monitor"
TRAINING_SET = "credit-risk-training-set"
RETRAINED_ON = "2026-11-01"  # the recent applications, up to the demo's now
EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.5)  # debt-to-income bins
REFERENCE_COUNTS = (2600, 3400, 2500, 1100, 400)  # the champion's training data
SHIFTED_COUNTS = (1000, 2300, 3000, 2300, 1400)  # where applicants are heading
WEEKS = 6
THRESHOLD = 0.25  # PSI above 0.25: a significant shift
FEATURES = ("debt_to_income", "utilization", "delinquency_count", "account_age_months")
ACKNOWLEDGED = (
    "I observed that the model data in production had drifted significantly from the "
    "training data and decided to train and deploy a new model version to replace the "
    "current version."
)


def _person(index: int) -> Actor:
    return Actor(uid(Kind.PERSON, PEOPLE[index][0]), False, Interface.CLI, "demo-load")


def _agent(key: str) -> Actor:
    return Actor(uid(Kind.SERVICE_ACCOUNT, key), True, Interface.CLI, "demo-load")


def weekly_counts(seed: int = 13) -> list[tuple[int, ...]]:
    """The production inputs' debt-to-income histogram, week by week: a seeded drift from
    the training data toward higher ratios."""
    rng = random.Random(seed)
    weeks = []
    for w in range(WEEKS):
        f = (w / (WEEKS - 1)) ** 1.6
        mix = [r * (1 - f) + s * f for r, s in zip(REFERENCE_COUNTS, SHIFTED_COUNTS, strict=True)]
        n, total = 10_000 + rng.randrange(-400, 400), sum(mix)
        weeks.append(tuple(max(0, round(m / total * n * rng.uniform(0.97, 1.03))) for m in mix))
    return weeks


def _profile(key: str, subject: str, counts: tuple[int, ...], at: datetime) -> Profile:
    column = drift.column_profile(
        name=COLUMN, count=sum(counts), nulls=0, min=0.0, max=1.5, bin_edges=EDGES,
        bin_counts=counts, path=["columns", 0],
    )  # fmt: skip
    return Profile(key=key, subject=subject, observed_at=at, columns=(column,),
                   window_start=at - timedelta(days=7), window_end=at)  # fmt: skip


async def record_demo_monitoring(graph: Graph) -> str:
    """Tell the story (after demo_lifecycle: the model's KPIs exist); the incident's key."""
    owner, scientist, monitor_agent = _person(1), _person(0), _agent(AGENT)
    ci = _agent("github-actions")
    await registry.register(graph, RegisterCommand(Kind.SERVICE_ACCOUNT, AGENT, {
        "name": "Drift monitor",
        "description": "Profiles production inputs weekly and sends them to the catalog.",
    }), actor=owner)  # fmt: skip
    start = DEFAULT_NOW - timedelta(days=7 * WEEKS)
    await monitoring.record_profile(
        graph, actor=monitor_agent, reason="the champion's training data",
        profile=_profile(f"{MODEL}-2-training-dti", f"ModelVersion:{CHAMPION}",
                         REFERENCE_COUNTS, start),
    )  # fmt: skip
    monitor = rules.monitor(
        key=MONITOR, target=f"Deployment:{DEPLOYMENT}", type=MonitorType.DATA_DRIFT,
        metric="psi", threshold=THRESHOLD, direction=BreachDirection.ABOVE,
        severity=Severity.HIGH, column=COLUMN, window_s=7 * 86_400,
        owner=monitor_agent.uid, reference=f"Profile:{MODEL}-2-training-dti",
        resolve_after=None, description="PSI of debt_to_income: production inputs against the "
        "champion's training data, weekly.", at=commands.graphql_input,
    )  # fmt: skip
    await monitoring.register_monitor(
        graph, actor=monitor_agent, monitor=monitor, reason="watch DTI drift on credit-risk"
    )
    opened: list[str] = []
    for week, counts in enumerate(weekly_counts(), start=1):
        end = start + timedelta(days=7 * week)
        _, _, touched = await monitoring.record_profile(
            graph, actor=monitor_agent, reason=None,
            profile=_profile(f"{DEPLOYMENT.replace('/', '-')}-{end:%Y-%m-%d}",
                             f"Deployment:{DEPLOYMENT}", counts, end),
        )  # fmt: skip
        opened += [k for k in touched if k not in opened]
    (key,) = opened
    incident = IncidentRef(key, ("incident",))
    await incidents.transition_incident(
        graph, actor=owner, key=key,
        change=rules.IncidentChange(IncidentStatus.ACKNOWLEDGED, ACKNOWLEDGED),
    )  # fmt: skip
    await _retrain(graph, scientist=scientist, incident=key)
    await lifecycle.record_evaluation(
        graph, actor=ci, key=f"eval-{MODEL}-5-1", model_version=NEW_VERSION,
        metrics={"auc": 0.8121, "ks": 0.4517},
        dataset_versions=[f"DatasetVersion:{TRAINING_SET}@{RETRAINED_ON}"], slice=None,
        run_id=f"eval-run-{MODEL}-5-1", job=f"{MODEL}.evaluate",
        created_at=datetime.now(UTC), reason="holdout evaluation in CI",
    )  # fmt: skip
    await lifecycle.transition_stage(
        graph, actor=scientist, model_version=NEW_VERSION, stage=Stage.STAGING,
        reason="performs well in testing: meets the model's KPIs on recent applicants",
    )  # fmt: skip
    await serving.deploy_model_version(
        graph, actor=owner, deployment=DEPLOYMENT, model_version=NEW_VERSION,
        role=ServingRole.CHALLENGER, traffic_share=0.1, incident=incident,
        reason="warm-up as challenger at 10% of traffic",
    )  # fmt: skip
    approval = await lifecycle.request_promotion(
        graph, actor=scientist, model_version=NEW_VERSION, incident=incident,
        reason="retrained on recent applications after the DTI drift; performing well in "
        "testing and warm-up",
    )  # fmt: skip
    await lifecycle.approve_promotion(
        graph, actor=owner, approval=approval.key, incident=incident,
        reason="KPIs met; promoted to challenger testing status to replace the current version",
    )  # fmt: skip
    await incidents.transition_incident(
        graph, actor=owner, key=key, fixed_by=f"ModelVersion:{NEW_VERSION}",
        change=rules.IncidentChange(
            IncidentStatus.RESOLVED,
            f"{NEW_VERSION}, trained on recent applications, is approved and serves as "
            "challenger; it replaces the drifted version",
        ),
    )  # fmt: skip
    return key


async def _retrain(graph: Graph, *, scientist: Actor, incident: str) -> None:
    """Recent training data, the new version, and the training run that addresses the
    incident and generated it."""
    digest = hashlib.sha256(f"{TRAINING_SET}@{RETRAINED_ON}".encode()).hexdigest()
    # Lifecycle changes happen now (as approvals do); the run is what the owner started
    # after acknowledging the incident.
    trained_at = datetime.now(UTC)
    await registry.register(graph, commands.dataset_version(
        dataset=TRAINING_SET, version=RETRAINED_ON, content_hash=f"sha256:{digest}",
        location=f"s3://acme-lake/curated/{TRAINING_SET}/{RETRAINED_ON}/", row_count=48_210,
        created_at=DEFAULT_NOW, at=commands.column,
    ), actor=scientist)  # fmt: skip
    version = NEW_VERSION.split("@")[1]
    await registry.register(graph, RegisterCommand(
        Kind.MODEL_VERSION, NEW_VERSION,
        {"version": version, "model": MODEL, "metrics": {"auc": 0.8163, "ks": 0.4561},
         "artifact_uri": f"s3://acme-models/{MODEL}/{version}/model.txt"},
        [registry.ref(["model"], Rel.VERSION_OF, Kind.MODEL, MODEL)],
        on_create={"stage": Stage.REGISTERED.value},
    ), actor=scientist)  # fmt: skip
    used = [f"DatasetVersion:{TRAINING_SET}@{RETRAINED_ON}",
            *(f"Feature:credit.{f}" for f in FEATURES)]  # fmt: skip
    await registry.register(graph, commands.run(
        run_id=f"{MODEL}-retrain-{RETRAINED_ON}", job=f"{MODEL}.train",
        run_kind=RunKind.TRAINING, status=RunStatus.COMPLETED, started_at=trained_at,
        ended_at=trained_at,
        parameters={"learning_rate": 0.05, "num_leaves": 63, "reason": "DTI drift"},
        triggered_by=scientist.uid, used=used, generated=[f"ModelVersion:{NEW_VERSION}"],
        addresses=[incident], at=commands.column,
    ), actor=scientist)  # fmt: skip
