"""Demo and benchmark data: a seeded, realistic ML catalog whose records are the expectations."""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import AsyncDriver

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.model import (
    Kind,
    OwnerRole,
    Rel,
    RunKind,
    RunStatus,
    ServingRole,
    Stage,
    uid,
)
from lineage_catalog.services import audit
from lineage_catalog.store.bulk import EdgeRow, NodeRow, load_rows
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.predictions import from_micros, micros

DEFAULT_NOW = datetime(2026, 11, 1, tzinfo=UTC)
SNAPSHOTS = 6  # monthly snapshots of each raw source, the last one two months before `now`
SCHEDULER = uid(Kind.SERVICE_ACCOUNT, "airflow-scheduler")
CI = uid(Kind.SERVICE_ACCOUNT, "github-actions")
TECH, BUSINESS, STEWARD = OwnerRole.TECHNICAL_OWNER, OwnerRole.BUSINESS_OWNER, OwnerRole.STEWARD
CH, CL = ServingRole.CHAMPION, ServingRole.CHALLENGER
SH, CA = ServingRole.SHADOW, ServingRole.CANARY

PEOPLE = (  # email, name, teams; models refer to people by index
    ("maya.chen@acme.example", "Maya Chen", ("risk-ml",)),
    ("tomas.rivera@acme.example", "Tomás Rivera", ("risk-ml",)),
    ("priya.nair@acme.example", "Priya Nair", ("data-platform",)),
    ("jonas.berg@acme.example", "Jonas Berg", ("data-platform",)),
    ("amara.okafor@acme.example", "Amara Okafor", ("growth-ml",)),
    ("lena.fischer@acme.example", "Lena Fischer", ("growth-ml", "risk-ml")),
)
TEAMS = {
    "risk-ml": ("Risk ML", "Credit decisioning models and their monitoring."),
    "growth-ml": ("Growth ML", "Retention and churn models for the subscriptions business."),
    "data-platform": ("Data Platform", "Ingestion, curated datasets and their pipelines."),
}
ACCOUNTS = {
    "airflow-scheduler": ("Airflow scheduler", "Triggers the scheduled ETL and scoring DAGs."),
    "github-actions": ("GitHub Actions", "CI runner that evaluates every trained model version."),
}
CLASSIFICATIONS = {
    "PII": ("Personally identifiable information", "Identifies a person: name, email, ..."),
    "SENSITIVE": ("Sensitive", "Financial or third-party data under contractual restrictions."),
}
PACKAGES = {"lightgbm": "4.5.0", "pandas": "2.2.3", "pyarrow": "18.1.0", "scikit-learn": "1.5.2"}
UNOWNED = frozenset({"sessions-clean", "churn.sessions_per_week"})  # "what has no owner?"
FEATURE_LABELS = {"credit.debt_to_income": "SENSITIVE"}

# fmt: off
MESSAGES = (
    "Add bureau delinquency features", "Fix timezone handling in snapshot dates",
    "Bump lightgbm to 4.5.0", "Tune early stopping rounds", "Drop rows with no customer_id",
    "Stratify the holdout split", "Log feature importances", "Handle schema drift in loans",
    "Speed up session aggregation", "Pin pandas 2.2.3", "Add a threshold sweep to evaluation",
    "Deduplicate customers by email",
)
SOURCES = (  # key, name, platform, location ({p}: the copy's prefix), rows, columns, tags, label
    ("customers-raw", "Customers (raw)", "postgres", "postgresql://crm.acme.internal/{p}crm.customers",
     180_000, "customer_id:string,full_name:string,email:string,birth_date:date,postcode:string",
     ("customers", "raw"), "PII"),
    ("loans-raw", "Loan applications (raw)", "s3", "s3://acme-lake/{p}raw/loans", 420_000,
     "loan_id:string,customer_id:string,amount:decimal,term_months:int,applied_at:timestamp",
     ("loans", "raw"), None),
    ("bureau-raw", "Credit bureau reports (raw)", "s3", "s3://acme-lake/{p}raw/bureau", 350_000,
     "customer_id:string,bureau_score:int,open_accounts:int,delinquencies:int",
     ("bureau", "raw", "external"), "SENSITIVE"),
    ("subscriptions-raw", "Subscriptions (raw)", "postgres",
     "postgresql://billing.acme.internal/{p}billing.subscriptions", 90_000,
     "subscription_id:string,customer_id:string,plan:string,mrr:decimal,started_at:date",
     ("billing", "raw"), None),
    ("events-raw", "Product events (raw)", "s3", "s3://acme-lake/{p}raw/events", 12_000_000,
     "event_id:string,customer_id:string,event_type:string,at:timestamp",
     ("clickstream", "raw"), None),
)
CURATED = (  # key, name, inputs, label
    ("customers-clean", "Customers (clean)", ("customers-raw",), "PII"),
    ("loans-clean", "Loans with bureau data", ("loans-raw", "bureau-raw"), None),
    ("subscriptions-clean", "Subscriptions (clean)", ("subscriptions-raw",), None),
    ("sessions-clean", "Sessions", ("events-raw",), None),
)
# fmt: on


@dataclass(frozen=True)
class _ModelSpec:
    key: str
    name: str
    team: str
    owner: int  # PEOPLE index: business owner, approves serving changes
    scientist: int  # PEOPLE index: trains the versions
    inputs: tuple[str, ...]
    features: tuple[tuple[str, str, str], ...]  # name, dtype, description
    metrics: tuple[tuple[str, float], ...]
    trained: tuple[int, ...]  # the snapshot each version 1, 2, ... was trained on
    # (version whose evaluation anchors the change, days after it, new serving, reason)
    script: tuple[tuple[int, int, tuple[tuple[int, ServingRole, float], ...], str], ...]


# fmt: off
MODELS = (
    _ModelSpec("credit-risk", "Credit risk", "risk-ml", 1, 0, ("customers-clean", "loans-clean"),
               (("debt_to_income", "float", "Monthly debt payments over monthly income"),
                ("utilization", "float", "Revolving balance over total credit limit"),
                ("delinquency_count", "int", "Delinquencies in the last 24 months"),
                ("account_age_months", "int", "Age of the oldest account in months")),
               (("auc", 0.78), ("ks", 0.41)), (0, 2, 3, 5),
               ((1, 1, ((1, CH, 1.0),), "initial release"),
                (2, 1, ((1, CH, 0.9), (2, CL, 0.1)), "challenger test of v2 at 10%"),
                (2, 8, ((2, CH, 1.0),), "v2 promoted: higher AUC, stable approval rate"),
                (3, 1, ((2, CH, 0.9), (3, CL, 0.1)), "challenger test of v3 at 10%"),
                (3, 8, ((3, CH, 1.0),), "v3 promoted: higher AUC on holdout"),
                (3, 11, ((2, CH, 1.0),), "rollback: v3 score drift on new applicants"),
                (4, 1, ((2, CH, 1.0), (4, SH, 0.0)), "v4 in shadow on mirrored traffic"))),
    _ModelSpec("churn", "Customer churn", "growth-ml", 5, 4,
               ("customers-clean", "subscriptions-clean", "sessions-clean"),
               (("sessions_per_week", "float", "Sessions per week over the last 8 weeks"),
                ("days_since_last_login", "int", "Days since the last login"),
                ("plan_downgrades", "int", "Plan downgrades in the last 12 months"),
                ("tenure_months", "int", "Months since the first subscription")),
               (("auc", 0.71), ("recall_at_10", 0.32)), (1, 3, 4),
               ((1, 1, ((1, CH, 1.0),), "initial release"),
                (2, 1, ((1, CH, 0.95), (2, CA, 0.05)), "canary of v2 at 5%"),
                (2, 6, ((2, CH, 1.0),), "v2 promoted after a clean canary"),
                (3, 1, ((2, CH, 0.8), (3, CL, 0.2)), "challenger test of v3 at 20%"),
                (3, 9, ((3, CH, 1.0),), "v3 promoted: better recall at 10%"))),
)
# fmt: on


@dataclass
class GeneratedCatalog:
    """Every node and edge of a generated catalog, ready for store.bulk.load_rows."""

    nodes: list[NodeRow]
    edges: list[EdgeRow]

    def summary(self) -> str:
        """One line: node, edge and prediction counts."""
        made = sum(1 for n in self.nodes if n.kind is Kind.PREDICTION)
        return f"{len(self.nodes)} nodes, {len(self.edges)} edges, {made} predictions"


def _month_start(now: datetime, *, back: int) -> datetime:
    """The first instant of the month `back` months before now's."""
    index = now.year * 12 + now.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _schema(columns: str) -> list[dict[str, str]]:
    """A table schema from "name:type,..."."""
    pairs = [c.split(":") for c in columns.split(",")]
    return [{"name": n, "type": t, "description": n.replace("_", " ")} for n, t in pairs]


def _key(node_uid: str) -> str:
    """The key part of a uid."""
    return node_uid.split(":", 1)[1]


class _Builder:
    """Accumulates rows; every random draw comes from one seeded rng, in a fixed order."""

    def __init__(self, *, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.nodes: list[NodeRow] = []
        self.edges: list[EdgeRow] = []
        self.snaps = [_month_start(now, back=SNAPSHOTS + 1 - k) for k in range(SNAPSHOTS)]
        self.origin = _month_start(now, back=SNAPSHOTS + 2)
        self.datasets: dict[str, tuple[str, list[dict[str, str]]]] = {}  # location, schema
        self.commits: dict[str, list[tuple[datetime, str]]] = {}  # repo: (time, uid) in order
        self.repos: dict[str, str] = {}  # job key: repo

    def node(self, kind: Kind, key: str, **props: Any) -> str:
        """Add a node; returns its uid."""
        self.nodes.append(NodeRow(kind=kind, key=key, props=props))
        return uid(kind, key)

    def edge(self, rel: Rel, source: str, target: str, **props: Any) -> EdgeRow:
        """Add an edge between two uids."""
        self.edges.append(EdgeRow(rel=rel, source=source, target=target, props=props))
        return self.edges[-1]

    def hex(self, bits: int) -> str:
        """Random lowercase hex digits, bits/4 of them."""
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def later(self, base: datetime, *, days: int = 0, hours: int = 0) -> datetime:
        """base plus days and hours and up to half an hour more."""
        return base + timedelta(days=days, hours=hours, minutes=self.rng.randrange(30))

    def owns(
        self, owner: str, target: str, *, role: OwnerRole = TECH, start: datetime | None = None
    ) -> EdgeRow:
        """An ownership, open until someone sets its valid_to."""
        return self.edge(Rel.OWNS, owner, target, role=role.value, valid_from=start or self.origin)

    def repo(self, repo: str, *, authors: list[str]) -> None:
        """Ten commits to repo, the first on day one so that every run finds a commit."""
        span = int((self.now - self.origin).total_seconds()) - 2 * 86_400
        seconds = sorted([36_000] + [self.rng.randrange(span) for _ in range(9)])
        for second, message in zip(seconds, self.rng.sample(MESSAGES, k=10), strict=True):
            sha, at = self.hex(160), self.origin + timedelta(seconds=second)
            commit = self.node(
                Kind.CODE_COMMIT,
                f"{repo}@{sha}",
                repo=repo,
                sha=sha,
                message=message,
                authored_at=at,
            )
            self.edge(Rel.AUTHORED, uid(Kind.PERSON, self.rng.choice(authors)), commit)
            self.commits.setdefault(repo, []).append((at, commit))

    def job(self, key: str, *, name: str, team: str, repo: str) -> str:
        """A job owned by a team, whose runs execute commits of repo."""
        self.repos[key] = repo
        description = f"{name}; code in {repo}, scheduled by Airflow."
        self.owns(
            uid(Kind.TEAM, team), self.node(Kind.JOB, key, name=name, description=description)
        )
        return key

    def run(
        self, job: str, *, kind: RunKind, at: datetime, used: list[str], params: dict[str, Any],
        by: str = SCHEDULER, minutes: int = 20, failed: bool = False,
    ) -> tuple[str, datetime]:  # fmt: skip
        """A run of job with its commit, trigger and inputs; returns its uid and end."""
        end = at + timedelta(minutes=minutes + self.rng.randrange(minutes))
        commits = self.commits[self.repos[job]]
        _, commit = commits[bisect.bisect(commits, at, key=lambda c: c[0]) - 1]
        image = f"ghcr.io/{self.repos[job]}:{_key(commit).rsplit('@', 1)[1][:12]}"
        run = self.node(
            Kind.RUN, str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), job=job,
            run_kind=kind.value, started_at=at, ended_at=end, parameters=params,
            status=(RunStatus.FAILED if failed else RunStatus.COMPLETED).value,
            environment={"python": "3.11.7", "image": image, "packages": PACKAGES},
        )  # fmt: skip
        self.edge(Rel.RUN_OF, run, uid(Kind.JOB, job))
        self.edge(Rel.EXECUTED, run, commit)
        self.edge(Rel.TRIGGERED, by, run)
        for entity in used:
            self.edge(Rel.USED, run, entity)
        return run, end

    def made(self, run: str, *outputs: str) -> None:
        """GENERATED edges from a run to its outputs."""
        for output in outputs:
            self.edge(Rel.GENERATED, run, output)

    def dataset(
        self, key: str, *, name: str, about: str, location: str, columns: str, tags: list[str],
        platform: str = "s3", label: str | None = None,
    ) -> str:  # fmt: skip
        """A dataset (classified when label is given) whose versions share one schema."""
        self.datasets[key] = (location, _schema(columns))
        dataset = self.node(
            Kind.DATASET, key, name=name, description=about, tags=tags, platform=platform,
            location=location,
        )  # fmt: skip
        if label:
            self.edge(Rel.CLASSIFIED_AS, dataset, uid(Kind.CLASSIFICATION, label))
        return dataset

    def version(self, dataset: str, day: datetime, *, at: datetime, rows: int) -> str:
        """The version of a dataset for a snapshot day, created at `at`."""
        version, (location, schema) = f"{day:%Y-%m-%d}", self.datasets[dataset]
        node = self.node(
            Kind.DATASET_VERSION, f"{dataset}@{version}", version=version, dataset=dataset,
            content_hash="sha256:" + self.hex(256), location=f"{location}/{version}",
            row_count=rows, schema=schema, created_at=at,
        )  # fmt: skip
        self.edge(Rel.VERSION_OF, node, uid(Kind.DATASET, dataset))
        return node


def _agents(b: _Builder) -> None:
    """The shared people, teams, service accounts and classifications."""
    for slug, (name, text) in TEAMS.items():
        b.node(Kind.TEAM, slug, name=name, description=text)
    for key, (name, text) in ACCOUNTS.items():
        b.node(Kind.SERVICE_ACCOUNT, key, name=name, description=text)
    for key, (name, text) in CLASSIFICATIONS.items():
        # PII is restricted: schemas and samples under it need the PII clearance.
        b.node(Kind.CLASSIFICATION, key, name=name, description=text, restricted=key == "PII")
    for email, name, teams in PEOPLE:
        person = b.node(Kind.PERSON, email, name=name, handle=email.split("@")[0], active=True)
        for team in teams:
            b.edge(Rel.MEMBER_OF, person, uid(Kind.TEAM, team))


def _domain(b: _Builder, *, p: str) -> list[tuple[str, list[EdgeRow]]]:
    """One copy of the lineage, keys prefixed with p; returns each deployment's SERVED edges."""
    people = [uid(Kind.PERSON, email) for email, _, _ in PEOPLE]
    platform, snaps = uid(Kind.TEAM, "data-platform"), b.snaps
    b.repo(f"acme/{p}data-pipelines", authors=[PEOPLE[2][0], PEOPLE[3][0]])
    versions: dict[str, list[str]] = {}
    rows: dict[str, list[int]] = {}
    columns: dict[str, list[str]] = {}
    for key, name, system, location, size, names, tags, label in SOURCES:
        columns[key] = names.split(",")
        ds = b.dataset(
            p + key, name=name, location=location.format(p=p), columns=names, tags=list(tags),
            about=f"Monthly snapshot of {name.lower()} from its {system} system of record.",
            platform=system, label=label,
        )  # fmt: skip
        if key == "bureau-raw":  # its owner left in the fifth month and nobody took over
            b.owns(people[3], ds).props["valid_to"] = snaps[4]
        else:
            b.owns(platform, ds)
        if key == "loans-raw":  # stewardship handed over in the third month
            b.owns(people[2], ds, role=STEWARD).props["valid_to"] = snaps[2]
            b.owns(people[5], ds, role=STEWARD, start=snaps[2])
        rows[key] = [int(size * (1 + k / 25) * b.rng.uniform(0.98, 1.02)) for k in range(SNAPSHOTS)]
        versions[key] = [
            b.version(p + key, d, at=b.later(d, hours=1), rows=n)
            for d, n in zip(snaps, rows[key], strict=True)
        ]
    for key, name, inputs, label in CURATED:
        job = b.job(f"{p}etl.{key}", name=f"Build {name.lower()}", team="data-platform",
                    repo=f"acme/{p}data-pipelines")  # fmt: skip
        columns[key] = list(dict.fromkeys(c for i in inputs for c in columns[i]))
        ds = b.dataset(
            p + key, name=name, about=f"{name}, deduplicated and typed from {', '.join(inputs)}.",
            location=f"s3://acme-lake/{p}curated/{key}", columns=",".join(columns[key]),
            tags=["curated", key.split("-")[0]], label=label,
        )  # fmt: skip
        if key not in UNOWNED:
            b.owns(platform, ds)
        rows[key], versions[key] = [], []
        for k, d in enumerate(snaps):
            run, end = b.run(
                job, kind=RunKind.TRANSFORMATION, at=b.later(d, hours=3),
                used=[versions[i][k] for i in inputs], params={"snapshot": f"{d:%Y-%m-%d}"},
            )  # fmt: skip
            rows[key].append(int(rows[inputs[0]][k] * b.rng.uniform(0.95, 0.99)))
            versions[key].append(b.version(p + key, d, at=end, rows=rows[key][k]))
            b.made(run, versions[key][k])
    return [_model(b, p=p, m=m, versions=versions, rows=rows) for m in MODELS]


def _model(
    b: _Builder, *, p: str, m: _ModelSpec, versions: dict[str, list[str]],
    rows: dict[str, list[int]],
) -> tuple[str, list[EdgeRow]]:  # fmt: skip
    """A model's features, training sets, versions, evaluations, serving and batch scores."""
    snaps, area, repo = b.snaps, m.key.split("-")[0], f"acme/{p}{m.key}"
    team = uid(Kind.TEAM, m.team)
    b.repo(repo, authors=[PEOPLE[m.scientist][0], PEOPLE[m.owner][0]])
    steps = ("features", "training-set", "train", "evaluate", "batch-score")
    jobs = {
        s: b.job(f"{p}{m.key}.{s}", name=f"{m.name}: {s.replace('-', ' ')}", team=m.team, repo=repo)
        for s in steps
    }
    features = []
    for name, dtype, text in m.features:
        key = f"{area}.{name}"
        feature = b.node(
            Kind.FEATURE, p + key, name=name, description=text, dtype=dtype, tags=[area, dtype]
        )
        if key not in UNOWNED:
            b.owns(team, feature)
        if key in FEATURE_LABELS:
            b.edge(Rel.CLASSIFIED_AS, feature, uid(Kind.CLASSIFICATION, FEATURE_LABELS[key]))
        features.append(feature)
    run, _ = b.run(
        jobs["features"], kind=RunKind.TRANSFORMATION, at=b.later(snaps[0], hours=6),
        used=[versions[i][0] for i in m.inputs], params={"entity": "customer_id"},
    )  # fmt: skip
    b.made(run, *features)

    columns = ["customer_id:string", *(f"{n}:{t}" for n, t, _ in m.features), "label:int"]
    for part, names in (("training-set", columns), ("holdout", columns),
                        ("scores", ["customer_id:string", "score:float"])):  # fmt: skip
        ds = b.dataset(
            f"{p}{m.key}-{part}", name=f"{m.name} {part.replace('-', ' ')}", tags=[area, part],
            about=f"Monthly {part.replace('-', ' ')} of the {m.name} model.",
            columns=",".join(names), location=f"s3://acme-lake/{p}ml/{m.key}/{part}",
        )  # fmt: skip
        b.owns(team, ds)
    sets = []
    for k, d in enumerate(snaps):
        run, end = b.run(
            jobs["training-set"], kind=RunKind.TRANSFORMATION, at=b.later(d, hours=7),
            used=[*(versions[i][k] for i in m.inputs), *features],
            params={"snapshot": f"{d:%Y-%m-%d}", "holdout_fraction": 0.2, "split_seed": 42},
        )  # fmt: skip
        total = rows[m.inputs[0]][k]
        train = b.version(f"{p}{m.key}-training-set", d, at=end, rows=total * 4 // 5)
        hold = b.version(f"{p}{m.key}-holdout", d, at=end, rows=total - total * 4 // 5)
        b.made(run, train, hold)
        sets.append((train, hold))

    made = _train(b, p=p, m=m, jobs=jobs, sets=sets, features=features)
    deployment, served = _serving(b, p=p, m=m, made=made)
    for j, d in enumerate(snaps):  # monthly batch scores by the champion of the day
        at = b.later(d, days=2, hours=8)
        champion = [e.target for e in served if e.props["role"] == CH and _live(e, at=at)]
        if champion:
            run, end = b.run(
                jobs["batch-score"], kind=RunKind.INFERENCE_BATCH, at=at,
                used=[*champion, versions[m.inputs[0]][j]], params={"batch_size": 5000},
            )  # fmt: skip
            b.made(run, b.version(f"{p}{m.key}-scores", d, at=end, rows=rows[m.inputs[0]][j]))
    return deployment, served


def _train(
    b: _Builder, *, p: str, m: _ModelSpec, jobs: dict[str, str], sets: list[tuple[str, str]],
    features: list[str],
) -> list[tuple[str, dict[str, Any], datetime]]:  # fmt: skip
    """The model, and per version its training and evaluation; returns (uid, props, evaluated)."""
    rng, scientist = b.rng, uid(Kind.PERSON, PEOPLE[m.scientist][0])
    model = b.node(Kind.MODEL, p + m.key, name=m.name, tags=[m.key.split("-")[0], "lightgbm"],
                   description=f"{m.name} model, retrained on monthly snapshots.")  # fmt: skip
    b.owns(uid(Kind.TEAM, m.team), model)
    b.owns(uid(Kind.PERSON, PEOPLE[m.owner][0]), model, role=BUSINESS)
    made: list[tuple[str, dict[str, Any], datetime]] = []  # (uid, props, evaluated at)
    for n, k in enumerate(m.trained, start=1):
        train, hold = sets[k]
        params = {"learning_rate": rng.choice((0.03, 0.1)), "num_leaves": rng.choice((31, 63))}
        at = b.later(b.snaps[k], days=1, hours=9)
        if n == 2:  # a first attempt ran out of memory; retried the same day
            oom = {**params, "num_leaves": 1023}
            b.run(jobs["train"], kind=RunKind.TRAINING, at=at - timedelta(hours=6), failed=True,
                  used=[train, *features], params=oom, by=scientist)  # fmt: skip
        run, end = b.run(jobs["train"], kind=RunKind.TRAINING, at=at, used=[train, *features],
                         params=params, by=scientist, minutes=60)  # fmt: skip
        metrics = {
            name: round(base + 0.01 * n + rng.uniform(-0.004, 0.004), 4) for name, base in m.metrics
        }
        mv = b.node(
            Kind.MODEL_VERSION, f"{p}{m.key}@{n}", version=str(n), model=p + m.key,
            stage=Stage.REGISTERED.value, metrics=metrics,
            artifact_uri=f"s3://acme-models/{p}{m.key}/{n}/model.txt",
        )  # fmt: skip
        props = b.nodes[-1].props
        b.edge(Rel.VERSION_OF, mv, model)
        b.made(run, mv)
        run, end = b.run(jobs["evaluate"], kind=RunKind.EVALUATION, at=end + timedelta(minutes=30),
                         used=[mv, hold], params={"threshold": 0.5}, by=CI, minutes=10)  # fmt: skip
        scored = {name: round(value - rng.uniform(0, 0.01), 4) for name, value in metrics.items()}
        b.made(
            run, b.node(Kind.EVALUATION, f"eval-{p}{m.key}-{n}-1", metrics=scored, created_at=end)
        )
        made.append((mv, props, end))
    return made


def _live(edge: EdgeRow, *, at: datetime) -> bool:
    """Whether an interval edge holds at `at` (valid_from inclusive, valid_to exclusive)."""
    until = edge.props.get("valid_to")
    return bool(edge.props["valid_from"] <= at and (until is None or at < until))


def _serving(
    b: _Builder, *, p: str, m: _ModelSpec, made: list[tuple[str, dict[str, Any], datetime]]
) -> tuple[str, list[EdgeRow]]:
    """A deployment and its SERVED intervals, following the model's script; sets stages."""
    name = f"{p}{m.key}-api"
    deployment = b.node(
        Kind.DEPLOYMENT, f"prod/{name}", name=name, environment="prod",
        endpoint=f"https://ml.acme.example/{name}/predict", strategy="champion-challenger",
    )  # fmt: skip
    b.owns(uid(Kind.TEAM, m.team), deployment)
    live: dict[int, EdgeRow] = {}
    served: list[EdgeRow] = []
    for anchor, days, serving, reason in m.script:
        at = made[anchor - 1][2] + timedelta(days=days, hours=b.rng.randrange(1, 6))
        wanted = {n: (role.value, share) for n, role, share in serving}
        for n in sorted(live.keys() | wanted.keys()):
            old = live.get(n)
            if old and wanted.get(n) == (old.props["role"], old.props["traffic_share"]):
                continue
            if old:
                live.pop(n).props["valid_to"] = at
            if n in wanted:
                role, share = wanted[n]
                # Generated history, as if imported: no approval of it is on record, and
                # the compliance report says so (Serving.imported).
                live[n] = b.edge(
                    Rel.SERVED, deployment, made[n - 1][0], role=role, traffic_share=share,
                    valid_from=at, reason=reason, changed_by=PEOPLE[m.owner][0], imported=True,
                )  # fmt: skip
                served.append(live[n])
    ever = {e.target for e in served}
    for n, (mv, props, _) in enumerate(made, start=1):
        now = live.get(n)
        props["stage"] = (
            Stage.PRODUCTION if now and now.props["role"] == CH else Stage.STAGING if now
            else Stage.ARCHIVED if mv in ever else Stage.REGISTERED
        ).value  # fmt: skip
    return deployment, served


def _predictions(b: _Builder, *, served: list[tuple[str, list[EdgeRow]]], count: int) -> None:
    """count predictions in time order, each by a version its deployment served at the time."""
    b.nodes.extend(_prediction_rows(b, served=served, count=count, first=0))


def _prediction_rows(
    b: _Builder, *, served: list[tuple[str, list[EdgeRow]]], count: int, first: int
) -> Iterator[NodeRow]:
    """count predictions in time order, keys from pred-<first>, each by a version its
    deployment served at the time, drawn with b.rng."""
    end, plans = micros(b.now), []
    for deployment, edges in served:
        spans = [(micros(e.props["valid_from"]), micros(e.props.get("valid_to", b.now)), e)
                 for e in edges if e.props["traffic_share"] > 0]  # fmt: skip
        cuts = sorted({t for span in spans for t in span[:2]} - {end})
        segments = []  # per cut: cumulative traffic shares, and (uid, key) of each version
        for cut in cuts:
            live = [e for start, stop, e in spans if start <= cut < stop]
            shares = list(itertools.accumulate(e.props["traffic_share"] for e in live))
            segments.append((shares, [(e.target, _key(e.target)) for e in live]))
        plans.append((cuts[0], deployment, _key(deployment), cuts, segments))
    plans.sort()
    starts = [plan[0] for plan in plans]
    rand, pick = b.rng.random, bisect.bisect
    times = sorted(starts[0] + int(rand() * (end - starts[0])) for _ in range(count))
    for i, t in enumerate(times, start=first):
        _, _, dep_key, cuts, segments = plans[int(rand() * pick(starts, t))]
        shares, versions = segments[pick(cuts, t) - 1]
        _, mv_key = versions[pick(shares, rand() * shares[-1])]
        props = {"time": from_micros(t), "deployment": dep_key,
                 "model_version": mv_key, "output": f'{{"score": {rand():.4f}}}'}  # fmt: skip
        # MADE_BY is the deployment and model_version properties (rules.PROPERTY_LINKS).
        yield NodeRow(kind=Kind.PREDICTION, key=f"pred-{i:08d}", props=props)


def generate(
    *, seed: int = 7, scale: int = 1, predictions: int = 2000, now: datetime | None = None
) -> GeneratedCatalog:
    """A seeded catalog: shared agents, `scale` copies of the lineage, then predictions."""
    if scale < 1 or predictions < 0:
        raise ValueError("scale must be at least 1 and predictions at least 0")
    b = _Builder(rng=random.Random(seed), now=(now or DEFAULT_NOW).astimezone(UTC))
    _agents(b)
    served = [d for i in range(scale) for d in _domain(b, p=f"d{i}-" if i else "")]
    if predictions:
        _predictions(b, served=served, count=predictions)
    return GeneratedCatalog(nodes=b.nodes, edges=b.edges)


def more_predictions(
    *, seed: int, scale: int, count: int, first: int, now: datetime | None = None
) -> Iterator[NodeRow]:
    """count more predictions for the catalog of generate(seed, scale), keys from
    pred-<first> (the harness's ten-times-the-data run, W7): made over the same serving
    history, with times spread over it as the first ones are, drawn from another seed."""
    b = _Builder(rng=random.Random(seed), now=(now or DEFAULT_NOW).astimezone(UTC))
    _agents(b)
    served = [d for i in range(scale) for d in _domain(b, p=f"d{i}-" if i else "")]
    b.rng = random.Random(f"{seed}/{first}")
    return _prediction_rows(b, served=served, count=count, first=first)


async def load_catalog(
    graph: Graph, catalog: GeneratedCatalog, *, batch_size: int = 10_000
) -> None:
    """Replace the catalog's content (not accounts or the audit trail) with the catalog's rows."""
    await graph.run_batched("admin/wipe_catalog")
    await load_rows(graph, nodes=catalog.nodes, edges=catalog.edges, batch_size=batch_size)


async def load_demo(driver: AsyncDriver, *, database: str, seed: int, actor: Actor) -> str:
    """Replace the catalog with the default-size demo for seed, audited, with its KPIs, model
    cards, a promotion request and the monitoring story (demo_monitoring); return a
    summary."""
    # demo_lifecycle reads this module's tables, so it is imported here, not at the top.
    from lineage_catalog.demo_lifecycle import record_demo_lifecycle
    from lineage_catalog.demo_monitoring import record_demo_monitoring

    catalog = generate(seed=seed)
    graph = Graph(driver, database=database)
    await load_catalog(graph, catalog)
    change = Change("catalog.replace", "catalog", None, {"demo_seed": seed,
                    "summary": catalog.summary()}, f"demo data loaded (seed {seed})")  # fmt: skip
    await audit.write_audited(graph, actor=actor, changes=[change])
    await record_demo_lifecycle(graph)
    await record_demo_monitoring(graph)
    return catalog.summary()
