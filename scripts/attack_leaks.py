"""Part 3: every path from Query to a restricted field, read by a reader without clearance.

The seed makes two PII dataset versions whose schema and sample hold canary strings (one
classified through its dataset, one directly), a lineage around them (a run that made them,
a training run, a model version, an evaluation, a deployment serving it, a prediction),
owners, and audit events that carry them. The walk reads the live schema by introspection,
enumerates every path of fields (through interfaces and unions) from Query to
DatasetVersion.schema/.sample and AuditEvent.before/.after up to a bounded depth, fills the
arguments that lead to the canaries, and sends each path plain, aliased and through a named
fragment, as the uncleared reader (a canary in the answer is a leak) and as a reader cleared
for PII (to show that the path reaches the canary at all). The REST compliance report, in
every format, and `lineage report` are checked too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import attack_common as common
import graphql as gql
import httpx

CANARY_SCHEMA = "canaryschema7f3a"
CANARY_SAMPLE = "canarysample9b2c"
CANARIES = (CANARY_SCHEMA, CANARY_SAMPLE)
RESTRICTED = {("DatasetVersion", "schema"), ("DatasetVersion", "sample")}
AUDIT_DOCUMENTS = {("AuditEvent", "before"), ("AuditEvent", "after")}
MAX_PATH_FIELDS = 5

OWNER = "atk-owner@attack.example"
COMMIT = "https://git.attack.example/atk@a1b2c3d"
KEYS = {
    "Dataset": "atk-canary",
    "DatasetVersion": "atk-canary@v1",
    "Feature": "atk-feature",
    "CodeCommit": COMMIT,
    "Job": "atk-train",
    "Run": "atk-train-run",
    "Model": "atk-model",
    "ModelVersion": "atk-model@1",
    "Deployment": "atk/atk-api",
    "Prediction": "atk-pred-1",
    "Evaluation": "atk-eval",
    "Person": OWNER,
    "Team": "atk-team",
    "Classification": "PII",
}


def _schema_fields(tag: str) -> list[dict[str, str]]:
    return [
        {
            "name": f"email_{CANARY_SCHEMA}",
            "type": "string",
            "description": f"{CANARY_SCHEMA} {tag}",
        }
    ]


def _sample(tag: str) -> list[dict[str, str]]:
    return [{"email": f"{CANARY_SAMPLE}-{tag}@people.example", "name": "Ada"}]


def seed(catalog: common.Catalog) -> None:
    """The canary data, written through GraphQL as the admin (every role)."""
    now = datetime.now(UTC).replace(microsecond=0)
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "mutation($i: PersonInput!) { registerPerson(input: $i) { id } }",
            {"i": {"email": OWNER, "name": "Atk Owner"}},
        ),
        (
            "mutation($i: NamedInput!) { registerTeam(input: $i) { id } }",
            {"i": {"key": "atk-team", "name": "Atk Team"}},
        ),
        (
            "mutation($i: DatasetInput!) { registerDataset(input: $i) { id } }",
            {"i": {"key": "atk-source", "name": "atk source"}},
        ),
        (
            "mutation($i: DatasetVersionInput!) { registerDatasetVersion(input: $i) { id } }",
            {"i": {"dataset": "atk-source", "version": "v1"}},
        ),
        (
            "mutation($i: DatasetInput!) { registerDataset(input: $i) { id } }",
            {"i": {"key": "atk-canary", "name": "atk canary", "tags": ["atk-canary-tag"]}},
        ),
        (
            "mutation($i: DatasetVersionInput!) { registerDatasetVersion(input: $i) { id } }",
            {
                "i": {
                    "dataset": "atk-canary",
                    "version": "v1",
                    "schema": _schema_fields("v1"),
                    "sample": _sample("v1"),
                }
            },
        ),
        (
            "mutation($i: DatasetVersionInput!) { registerDatasetVersion(input: $i) { id } }",
            {
                "i": {
                    "dataset": "atk-canary",
                    "version": "v2",
                    "schema": _schema_fields("v2"),
                    "sample": _sample("v2"),
                }
            },
        ),
        (
            'mutation($t: ID!, $r: String!) { classify(target: $t, classifications: ["PII"],'
            " reason: $r) { id } }",
            {"t": "Dataset:atk-canary", "r": "attack canary"},
        ),
        (
            'mutation($t: ID!, $r: String!) { classify(target: $t, classifications: ["PII"],'
            " reason: $r) { id } }",
            {"t": "DatasetVersion:atk-canary@v2", "r": "attack canary"},
        ),
        (
            "mutation($i: OwnershipInput!, $r: String!) { setOwner(input: $i, reason: $r) { id } }",
            {
                "i": {
                    "owner": f"Person:{OWNER}",
                    "target": "DatasetVersion:atk-canary@v1",
                    "role": "TECHNICAL_OWNER",
                },
                "r": "attack canary",
            },
        ),
        (
            "mutation($i: OwnershipInput!, $r: String!) { setOwner(input: $i, reason: $r) { id } }",
            {
                "i": {
                    "owner": "Team:atk-team",
                    "target": "DatasetVersion:atk-canary@v1",
                    "role": "STEWARD",
                },
                "r": "attack canary",
            },
        ),
        (
            "mutation($i: CodeCommitInput!) { registerCodeCommit(input: $i) { id } }",
            {"i": {"repo": "https://git.attack.example/atk", "sha": "a1b2c3d", "author": OWNER}},
        ),
        ("mutation($i: NamedInput!) { registerJob(input: $i) { id } }", {"i": {"key": "atk-prep"}}),
        (
            "mutation($i: NamedInput!) { registerJob(input: $i) { id } }",
            {"i": {"key": "atk-train"}},
        ),
        (
            "mutation($i: RunInput!) { recordRun(input: $i) { id } }",
            {
                "i": {
                    "runId": "atk-prep-run",
                    "job": "atk-prep",
                    "runKind": "TRANSFORMATION",
                    "startedAt": _iso(now - timedelta(hours=3)),
                    "endedAt": _iso(now - timedelta(hours=2, minutes=50)),
                    "codeCommit": COMMIT,
                    "used": ["DatasetVersion:atk-source@v1"],
                    "generated": ["DatasetVersion:atk-canary@v1", "DatasetVersion:atk-canary@v2"],
                }
            },
        ),
        (
            "mutation($i: ModelInput!) { registerModel(input: $i) { id } }",
            {"i": {"key": "atk-model", "name": "atk model"}},
        ),
        (
            "mutation($i: ModelVersionInput!) { registerModelVersion(input: $i) { id } }",
            {"i": {"model": "atk-model", "version": "1", "metrics": {"auc": 0.9}}},
        ),
        (
            "mutation($i: FeatureInput!) { registerFeature(input: $i) { id } }",
            {"i": {"key": "atk-feature", "name": "atk feature"}},
        ),
        (
            "mutation($i: RunInput!) { recordRun(input: $i) { id } }",
            {
                "i": {
                    "runId": "atk-train-run",
                    "job": "atk-train",
                    "runKind": "TRAINING",
                    "startedAt": _iso(now - timedelta(hours=2)),
                    "endedAt": _iso(now - timedelta(hours=1, minutes=50)),
                    "codeCommit": COMMIT,
                    "triggeredBy": f"Person:{OWNER}",
                    "used": ["DatasetVersion:atk-canary@v1", "DatasetVersion:atk-canary@v2"],
                    "generated": ["ModelVersion:atk-model@1", "Feature:atk-feature"],
                }
            },
        ),
        (
            "mutation($i: EvaluationInput!) { recordEvaluation(input: $i) { id } }",
            {
                "i": {
                    "key": "atk-eval",
                    "modelVersion": "atk-model@1",
                    "metrics": {"auc": 0.9},
                    "datasetVersions": ["DatasetVersion:atk-canary@v2"],
                }
            },
        ),
        (
            "mutation($i: DeploymentInput!) { registerDeployment(input: $i) { id } }",
            {"i": {"name": "atk-api", "environment": "atk"}},
        ),
        (
            "mutation($i: ServingInput!) { recordServing(input: $i) { id } }",
            {
                "i": {
                    "deployment": "atk/atk-api",
                    "modelVersion": "atk-model@1",
                    "role": "CHALLENGER",
                    "trafficShare": 0.5,
                    "validFrom": _iso(now - timedelta(hours=1)),
                }
            },
        ),
        (
            "mutation($i: PredictionInput!) { recordPrediction(input: $i) { id } }",
            {
                "i": {
                    "key": "atk-pred-1",
                    "deployment": "atk/atk-api",
                    "modelVersion": "atk-model@1",
                    "time": _iso(now - timedelta(minutes=30)),
                }
            },
        ),
    ]
    with catalog.client("admin") as client:
        for query, variables in steps:
            response = client.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"seed failed: {query[:90]} -> {response.text[:600]}")
    ensure_restricted(catalog)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _pii_restricted(catalog: common.Catalog) -> bool:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(catalog.neo4j_uri, auth=("neo4j", "neo4j-password")) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (c:Node {uid: 'Classification:PII'}) RETURN c.restricted AS r"
        )
    return bool(records and records[0]["r"] is True)


def ensure_restricted(catalog: common.Catalog) -> bool:
    """Make PII restricted again (part 1 fuzzes as an admin and may lift it); whether it was."""
    if _pii_restricted(catalog):
        return True
    reason = '"attack suite: PII restricted again"'
    forms = [  # whichever the schema of the day takes
        f'registerClassification(input: {{key: "PII", restricted: true}}, reason: {reason})',
        f'registerClassification(input: {{key: "PII", restricted: true, reason: {reason}}})',
        'registerClassification(input: {key: "PII", restricted: true})',
    ]
    with catalog.client("admin") as client:
        for form in forms:
            client.post("/graphql", json={"query": f"mutation {{ {form} {{ id }} }}"})
            if _pii_restricted(catalog):
                break
        else:
            raise RuntimeError("PII could not be made restricted again")
    return False


# --- the path walk -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One field on a path; `on` is the concrete type it is read on (a fragment when the
    parent is an interface or union)."""

    on: str
    field: str
    abstract_parent: bool


def _named(type_: gql.GraphQLType) -> gql.GraphQLNamedType:
    return gql.get_named_type(type_)  # type: ignore[no-any-return]


def _concrete(
    schema: gql.GraphQLSchema, named: gql.GraphQLNamedType
) -> list[gql.GraphQLObjectType]:
    if isinstance(named, gql.GraphQLObjectType):
        return [named]
    if isinstance(named, gql.GraphQLInterfaceType | gql.GraphQLUnionType):
        return list(schema.get_possible_types(named))
    return []


def restricted_paths(schema: gql.GraphQLSchema, targets: set[tuple[str, str]]) -> list[list[Step]]:
    """Every path of fields from Query to a target field, no type twice on a path."""
    query = schema.query_type
    assert query is not None
    paths: list[list[Step]] = []
    reach_cache: dict[tuple[str, int], bool] = {}

    def can_reach(type_name: str, budget: int) -> bool:
        # Prunes the walk: can a target be reached from this type within budget fields?
        key = (type_name, budget)
        if key in reach_cache:
            return reach_cache[key]
        reach_cache[key] = False
        obj = schema.get_type(type_name)
        result = False
        if isinstance(obj, gql.GraphQLObjectType) and budget > 0:
            for name, f in obj.fields.items():
                if (type_name, name) in targets:
                    result = True
                    break
                for sub in _concrete(schema, _named(f.type)):
                    if can_reach(sub.name, budget - 1):
                        result = True
                        break
                if result:
                    break
        reach_cache[key] = result
        return result

    def walk(obj: gql.GraphQLObjectType, abstract: bool, path: list[Step], seen: set[str]) -> None:
        if len(path) >= MAX_PATH_FIELDS:
            return
        for name, f in obj.fields.items():
            if name.startswith("__"):
                continue
            step = Step(obj.name, name, abstract)
            if (obj.name, name) in targets:
                paths.append([*path, step])
                continue
            named = _named(f.type)
            subs = _concrete(schema, named)
            for sub in subs:
                if sub.name in seen or not can_reach(sub.name, MAX_PATH_FIELDS - len(path) - 1):
                    continue
                walk(sub, sub.name != named.name, [*path, step], seen | {sub.name})

    walk(query, False, [], {query.name})
    return paths


ROOT_ARGS: dict[str, dict[str, Any]] = {
    "person": {"email": OWNER},
    "team": {"key": "atk-team"},
    "dataset": {"key": "atk-canary"},
    "datasetVersion": {"key": "atk-canary@v1"},
    "feature": {"key": "atk-feature"},
    "codeCommit": {"key": COMMIT},
    "job": {"key": "atk-train"},
    "run": {"key": "atk-train-run"},
    "model": {"key": "atk-model"},
    "modelVersion": {"key": "atk-model@1"},
    "deployment": {"key": "atk/atk-api"},
    "prediction": {"key": "atk-pred-1"},
    "evaluation": {"key": "atk-eval"},
    "predictionTrace": {"key": "atk-pred-1"},
    "reproducibility": {"modelVersion": "atk-model@1"},
    "complianceReport": {"modelVersion": "atk-model@1"},
    "approvals": {"modelVersion": "atk-model@1"},
    "modelCard": {"modelVersion": "atk-model@1"},
    "modelKpis": {"model": "atk-model"},
    "ownedBy": {"owner": f"Person:{OWNER}", "includeTeams": True},
    "unowned": {"kinds": ["DATASET_VERSION"], "first": 500},
    "search": {"text": "atk-canary"},
    "lineage": {"id": "ModelVersion:atk-model@1", "direction": "BOTH", "first": 200},
    "impact": {"datasetVersion": "atk-source@v1"},
    "classificationsUpstream": {"id": "ModelVersion:atk-model@1"},
    "auditTrail": {
        "target": ["DatasetVersion:atk-canary@v1", "DatasetVersion:atk-canary@v2"],
        "first": 100,
    },
    "accessLog": {"first": 100},
    "explore": {"id": "ModelVersion:atk-model@1", "direction": "BOTH", "depth": 3, "first": 100},
    "exploreNeighbours": {"id": "Run:atk-train-run", "direction": "BOTH", "first": 100},
    "account": {"id": "Person:attack-reader@attack.example"},
}
# Alternatives for root fields with several ways to reach the canaries.
ROOT_VARIANTS: dict[str, list[dict[str, Any]]] = {
    "search": [{"tag": "atk-canary-tag"}, {"text": "canary"}],
    "lineage": [
        {"id": "DatasetVersion:atk-source@v1", "direction": "DOWNSTREAM", "first": 200},
        {"id": "Run:atk-train-run", "direction": "BOTH", "first": 200},
    ],
    "auditTrail": [
        {"actor": "Person:attack-admin@attack.example", "first": 200},
        {"action": "register.", "first": 200},
    ],
    "unowned": [{"first": 500}],
    "explore": [{"id": "DatasetVersion:atk-source@v1", "direction": "DOWNSTREAM", "depth": 2}],
    "exploreNeighbours": [
        {"id": "Run:atk-prep-run", "direction": "DOWNSTREAM", "first": 100},
        {"id": "DatasetVersion:atk-canary@v1", "direction": "BOTH"},
    ],
}
NODE_KIND = {
    "DatasetVersion": "DATASET_VERSION",
    "Dataset": "DATASET",
    "Run": "RUN",
    "Model": "MODEL",
    "ModelVersion": "MODEL_VERSION",
    "Feature": "FEATURE",
    "Deployment": "DEPLOYMENT",
    "Prediction": "PREDICTION",
    "Evaluation": "EVALUATION",
    "Person": "PERSON",
    "Team": "TEAM",
    "Job": "JOB",
    "CodeCommit": "CODE_COMMIT",
    "Classification": "CLASSIFICATION",
}


def root_arguments(path: list[Step]) -> list[dict[str, Any]]:
    """The argument sets to try for the path's root field."""
    root = path[0].field
    # the first concrete type read through an interface or union picks the ids to ask for
    following = next(
        (s.on for s in path[1:] if s.abstract_parent), path[1].on if len(path) > 1 else ""
    )
    if root == "node":
        key = KEYS.get(following)
        if following == "Run":
            return [{"id": "Run:atk-train-run"}, {"id": "Run:atk-prep-run"}]
        if following == "DatasetVersion":
            return [{"id": "DatasetVersion:atk-canary@v1"}, {"id": "DatasetVersion:atk-canary@v2"}]
        return [{"id": f"{following}:{key}"}] if key else []
    if root == "nodes":
        kind = NODE_KIND.get(following)
        if kind is None:
            return []
        if following == "DatasetVersion":
            return [{"kind": kind, "parent": "Dataset:atk-canary", "first": 50}]
        return [{"kind": kind, "first": 500}]
    if root == "datasetVersion":
        return [{"key": "atk-canary@v1"}, {"key": "atk-canary@v2"}]
    base = ROOT_ARGS.get(root)
    if base is None:
        return [{}]
    return [base, *ROOT_VARIANTS.get(root, [])]


def build_query(
    schema: gql.GraphQLSchema, path: list[Step], args: dict[str, Any], style: str
) -> str | None:
    """The query text reading `path` (plain, aliased or through a named fragment); None when
    a field below the root needs an argument."""
    fragments: list[str] = []

    def render(index: int) -> str | None:
        step = path[index]
        owner = schema.get_type(step.on)
        assert isinstance(owner, gql.GraphQLObjectType)
        field = owner.fields[step.field]
        values = args if index == 0 else {}
        if any(gql.is_required_argument(a) and n not in values for n, a in field.args.items()):
            return None
        alias = f"p{index}: " if style == "aliased" else ""
        head = f"{alias}{step.field}{_args(field, values)}"
        if index == len(path) - 1:
            named = _named(field.type)
            leaf = head + (
                " { name type description }" if isinstance(named, gql.GraphQLObjectType) else ""
            )
            if style == "fragment":
                fragments.append(f"fragment Restricted on {step.on} {{ {leaf} }}")
                return "...Restricted"
            return leaf
        child = render(index + 1)
        if child is None:
            return None
        following = path[index + 1]
        if following.abstract_parent:
            child = f"... on {following.on} {{ {child} }}"
        return f"{head} {{ __typename {child} }}"

    body = render(0)
    if body is None:
        return None
    return "\n".join([f"{{ {body} }}", *fragments])


def _args(field: gql.GraphQLField, values: dict[str, Any]) -> str:
    rendered = []
    for name, value in values.items():
        arg = field.args.get(name)
        if arg is None:
            continue
        node = gql.ast_from_value(value, arg.type)
        if node is not None:
            rendered.append(f"{name}: {gql.print_ast(node)}")
    return "(" + ", ".join(rendered) + ")" if rendered else ""


def _path_label(path: list[Step]) -> str:
    parts = [path[0].field]
    for step in path[1:]:
        parts.append(f"[{step.on}]{step.field}" if step.abstract_parent else step.field)
    return ".".join(parts)


def run(catalog: common.Catalog, args: argparse.Namespace) -> list[common.Part]:
    part = common.Part("3. restricted-field paths")
    if not ensure_restricted(catalog):
        part.note(
            "PII was not restricted when part 3 began (an earlier part lifted it); "
            "made restricted again before the walk"
        )
    with catalog.client("reader") as client:
        introspection = client.post(
            "/graphql", json={"query": gql.get_introspection_query(descriptions=False)}
        ).json()
    schema = gql.build_client_schema(introspection["data"])
    targets = RESTRICTED | AUDIT_DOCUMENTS
    paths = restricted_paths(schema, targets)
    reached: set[str] = set()
    checked: set[str] = set()
    skipped: list[str] = []
    with catalog.client("reader") as reader, catalog.client("cleared") as cleared:
        for path in paths:
            label = _path_label(path)
            arg_sets = root_arguments(path)
            if not arg_sets:
                skipped.append(label)
                continue
            for number, root_args in enumerate(arg_sets):
                styles = ("plain", "aliased", "fragment") if number == 0 else ("plain",)
                for style in styles:
                    query = build_query(schema, path, root_args, style)
                    if query is None:
                        skipped.append(label)
                        continue
                    checked.add(label)
                    answer = common.graphql(reader, part, catalog.log, query, label=label)
                    found = [c for c in CANARIES if c in answer.text]
                    if found:
                        part.fail(
                            "leak",
                            f"{label} ({', '.join(found)})",
                            request=query,
                            response=answer.text[:500],
                            expected="schema/sample (and audit documents' copies) null or "
                            "redacted for a reader without the PII clearance",
                        )
                    if style == "plain" and label not in reached:
                        control = common.graphql(cleared, part, catalog.log, query, label=label)
                        if any(c in control.text for c in CANARIES):
                            reached.add(label)
        _check_reports(catalog, part, reader, cleared)
        _check_lifting(catalog, part, reader)
    _check_cli_report(catalog, part)
    part.note(
        f"{len(paths)} schema paths to a restricted field or audit document (at most "
        f"{MAX_PATH_FIELDS} fields), {len(checked)} queried; {len(reached)} of them show a "
        "canary to the cleared reader (the others reach no canary with these arguments)"
    )
    unreached = sorted(checked - reached)
    if unreached:
        part.note(
            "paths that reach no canary even when cleared: "
            + ", ".join(unreached[:40])
            + (" …" if len(unreached) > 40 else "")
        )
    if skipped:
        part.note(
            f"{len(set(skipped))} paths skipped (no argument values): "
            + ", ".join(sorted(set(skipped))[:20])
        )
    return [part]


def _check_lifting(catalog: common.Catalog, part: common.Part, reader: httpx.Client) -> None:
    """Lifting PII's protection is a governance change: an approver must not, and nobody
    without a reason; when it goes through, every reader sees every PII schema."""
    read = '{ datasetVersion(key: "atk-canary@v1") { schema { name } sample } }'
    attempts = [
        ("approver", '{key: "PII", restricted: false}, reason: "atk: lift"', "an approver "
         "lifts PII (with a reason)"),
        ("approver", '{key: "PII", restricted: false, reason: "atk: lift"}', "an approver "
         "lifts PII (reason in the input)"),
        ("approver", '{key: "PII", restricted: false}', "an approver lifts PII (no reason)"),
        ("admin", '{key: "PII", restricted: false}', "an admin lifts PII without a reason"),
    ]  # fmt: skip
    for who, arguments, label in attempts:
        mutation = f"mutation {{ registerClassification(input: {arguments}) {{ id }} }}"
        with catalog.client(who) as client:
            answer = common.graphql(client, part, catalog.log, mutation, label=label)
        if answer.status == 200 and not answer.errors:
            seen = common.graphql(reader, part, catalog.log, read, label="read after lifting")
            found = [c for c in CANARIES if c in seen.text]
            part.fail(
                "leak",
                f"{label}: accepted" + (", the uncleared reader then reads the canaries"
                                        if found else ""),
                request=f"as {who}: {mutation}",
                response=answer.text[:300],
                expected="FORBIDDEN for an approver; BAD_USER_INPUT without a reason: "
                "changing whether a classification is restricted is admin-only, with a reason",
            )  # fmt: skip
            ensure_restricted(catalog)


def _check_reports(
    catalog: common.Catalog, part: common.Part, reader: httpx.Client, cleared: httpx.Client
) -> None:
    for fmt in ("json", "markdown", "html"):
        path = f"/api/v1/reports/compliance/atk-model@1?format={fmt}"
        answer = common.send(reader, part, catalog.log, "GET", path, label=f"report {fmt}")
        found = [c for c in CANARIES if c in answer.text]
        if found:
            part.fail(
                "leak",
                f"REST compliance report ({fmt})",
                request=f"GET {path} as reader",
                response=answer.text[:400],
                expected="no schema or sample of a PII version without the clearance",
            )
        control = common.send(cleared, part, catalog.log, "GET", path, label=f"report {fmt}")
        if not any(c in control.text for c in CANARIES):
            part.note(f"the {fmt} compliance report shows no canary even to the cleared reader")


def _check_cli_report(catalog: common.Catalog, part: common.Part) -> None:
    """`lineage report` reads as a reader without clearance: the export must not leak."""
    env = {**os.environ, "LINEAGE_NEO4J_URI": catalog.neo4j_uri}
    lineage = os.path.join(os.path.dirname(sys.executable), "lineage")
    for fmt in ("json", "markdown"):
        done = subprocess.run(
            [lineage, "report", "atk-model@1", "--format", fmt],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        part.count_request(0 if done.returncode else 200, None)
        found = [c for c in CANARIES if c in done.stdout]
        if found:
            part.fail(
                "leak",
                f"`lineage report --format {fmt}`",
                request=f"lineage report atk-model@1 --format {fmt}",
                response=done.stdout[:400],
                expected="no schema or sample of a PII version in the export",
            )
