"""Owners of versions (issue 12): a version's owners are its own plus its parent's, marked;
`ownedBy`, `unowned`, the trace and the compliance report follow the same rule."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.graphql_client import gql

PARENT_FROM = "2026-01-01T00:00:00Z"
VERSION_FROM = "2026-03-01T00:00:00Z"
BETWEEN = "2026-02-01T00:00:00Z"  # the parent's ownership began, the version's not yet

OWNERS = """
query($id: ID!, $asOf: DateTime) { node(id: $id) {
  ... on Dataset { owners(asOf: $asOf) { ...O } }
  ... on DatasetVersion { owners(asOf: $asOf) { ...O } }
  ... on Model { owners(asOf: $asOf) { ...O } }
  ... on ModelVersion { owners(asOf: $asOf) { ...O } }
} }
fragment O on Ownership {
  role inherited target { id }
  owner { ... on Person { id } ... on Team { id } }
}
"""

UNOWNED = """query($kinds: [NodeKind!]) { unowned(kinds: $kinds, first: 100) {
  edges { node { id } } } }"""

OWNED_BY = """query($o: ID!, $teams: Boolean!) { ownedBy(owner: $o, includeTeams: $teams) {
  role inherited target { id } owner { ... on Person { id } ... on Team { id } } } }"""


def _register(client: TestClient) -> None:
    for email in ("ada", "bob", "carol", "dave"):
        gql(client, "mutation($e: String!) { registerPerson(input: {email: $e}) { key } }",
            e=f"{email}@acme.example")  # fmt: skip
    gql(client, 'mutation { registerTeam(input: {key: "risk"}) { key } }')
    gql(client, 'mutation { registerPerson(input: {email: "erin@acme.example", '
                'teams: ["risk"]}) { key } }')  # fmt: skip
    gql(client, 'mutation { registerDataset(input: {key: "loans"}) { key } }')
    for version in ("v1", "v2"):
        gql(client, """mutation($v: String!) { registerDatasetVersion(
            input: {dataset: "loans", version: $v, contentHash: "sha256:0"}) { key } }""",
            v=version)  # fmt: skip
    gql(client, 'mutation { registerModel(input: {key: "churn"}) { key } }')
    for version in ("1", "2"):
        gql(client, """mutation($v: String!) { registerModelVersion(
            input: {model: "churn", version: $v}) { key } }""", v=version)  # fmt: skip


def _own(client: TestClient, owner: str, target: str, role: str, since: str) -> None:
    gql(
        client,
        """mutation($o: ID!, $t: ID!, $r: OwnerRole!, $f: DateTime!) { setOwner(
            input: {owner: $o, target: $t, role: $r, validFrom: $f}, reason: "issue 12") {
            id } }""",
        o=owner, t=target, r=role, f=since,
    )  # fmt: skip


def _owners(client: TestClient, id: str, as_of: str | None = None) -> set[tuple[str, ...]]:
    found = gql(client, OWNERS, id=id, asOf=as_of)["node"]["owners"]
    return {(o["owner"]["id"], o["role"], o["target"]["id"],
             "inherited" if o["inherited"] else "direct") for o in found}  # fmt: skip


def _unowned(client: TestClient, kinds: list[str] | None = None) -> set[str]:
    found = gql(client, UNOWNED, kinds=kinds)["unowned"]["edges"]
    return {e["node"]["id"] for e in found}


ADA, BOB, CAROL, DAVE = (f"Person:{p}@acme.example" for p in ("ada", "bob", "carol", "dave"))
V1, V2 = "DatasetVersion:loans@v1", "DatasetVersion:loans@v2"
M1, M2 = "ModelVersion:churn@1", "ModelVersion:churn@2"


def test_a_dataset_version_has_its_own_owners_and_its_datasets(client: TestClient) -> None:
    _register(client)
    _own(client, ADA, V1, "STEWARD", VERSION_FROM)
    # Only a version is owned: the dataset itself (and so its other versions) has no owner.
    assert _owners(client, V1) == {(ADA, "steward", V1, "direct")}
    assert _owners(client, "Dataset:loans") == set()
    assert "Dataset:loans" in _unowned(client)
    assert _unowned(client, ["DATASET_VERSION"]) == {V2}

    _own(client, BOB, "Dataset:loans", "TECHNICAL_OWNER", PARENT_FROM)
    assert _owners(client, V1) == {
        (ADA, "steward", V1, "direct"),
        (BOB, "technical_owner", "Dataset:loans", "inherited"),
    }
    assert _owners(client, V2) == {(BOB, "technical_owner", "Dataset:loans", "inherited")}
    assert _owners(client, "Dataset:loans") == {(BOB, "technical_owner", "Dataset:loans", "direct")}
    assert "Dataset:loans" not in _unowned(client)
    assert _unowned(client, ["DATASET_VERSION"]) == set()

    # As of a time before the version's own ownership began: only the inherited one.
    assert _owners(client, V1, BETWEEN) == {(BOB, "technical_owner", "Dataset:loans", "inherited")}
    assert _owners(client, V1, "2025-12-01T00:00:00Z") == set()

    owned = gql(client, OWNED_BY, o=ADA, teams=False)["ownedBy"]
    assert [(o["target"]["id"], o["role"], o["inherited"]) for o in owned] == [
        (V1, "steward", False)
    ]
    owns = gql(client, '{ person(email: "ada@acme.example") { owns { target { id } } } }')
    assert owns["person"]["owns"] == [{"target": {"id": V1}}]


def test_a_model_version_has_its_own_owners_and_its_models(client: TestClient) -> None:
    _register(client)
    _own(client, CAROL, M1, "TECHNICAL_OWNER", VERSION_FROM)
    _own(client, "Team:risk", M2, "BUSINESS_OWNER", VERSION_FROM)
    assert _owners(client, "Model:churn") == set()
    assert "Model:churn" in _unowned(client)
    assert _unowned(client, ["MODEL_VERSION"]) == set()

    _own(client, DAVE, "Model:churn", "BUSINESS_OWNER", PARENT_FROM)
    assert _owners(client, M1) == {
        (CAROL, "technical_owner", M1, "direct"),
        (DAVE, "business_owner", "Model:churn", "inherited"),
    }
    assert _owners(client, "Model:churn") == {(DAVE, "business_owner", "Model:churn", "direct")}
    assert _owners(client, M1, BETWEEN) == {(DAVE, "business_owner", "Model:churn", "inherited")}
    assert "Model:churn" not in _unowned(client)
    # The dataset and its versions stay unowned: nothing of theirs has an owner.
    assert {"Dataset:loans"} <= _unowned(client)
    assert _unowned(client, ["DATASET_VERSION", "MODEL_VERSION"]) == {V1, V2}

    owned = gql(client, OWNED_BY, o=CAROL, teams=False)["ownedBy"]
    assert [(o["target"]["id"], o["inherited"]) for o in owned] == [(M1, False)]
    # A team's ownership of a version counts for its members with includeTeams, as before.
    erin = "Person:erin@acme.example"
    assert gql(client, OWNED_BY, o=erin, teams=False)["ownedBy"] == []
    through_team = gql(client, OWNED_BY, o=erin, teams=True)["ownedBy"]
    assert [(o["owner"]["id"], o["target"]["id"]) for o in through_team] == [("Team:risk", M2)]


TRACE = """query { predictionTrace(key: "p1") { owners {
  role inherited target { id } owner { ... on Person { id } ... on Team { id } } } } }"""


def _trained_and_predicting(client: TestClient) -> None:
    _register(client)
    gql(client, 'mutation { registerJob(input: {key: "churn.train"}) { key } }')
    gql(client, """mutation { recordRun(input: {runId: "train-1", job: "churn.train",
        runKind: TRAINING, used: ["DatasetVersion:loans@v1"],
        generated: ["ModelVersion:churn@1"]}) { key } }""")  # fmt: skip
    gql(client, 'mutation { registerDeployment(input: {name: "churn", environment: "prod"}) '
                "{ key } }")  # fmt: skip
    gql(client, """mutation { recordPrediction(input: {key: "p1", deployment: "prod/churn",
        modelVersion: "churn@1", time: "2026-04-01T00:00:00Z"}) { key } }""")  # fmt: skip
    _own(client, ADA, V1, "STEWARD", VERSION_FROM)
    _own(client, BOB, "Dataset:loans", "TECHNICAL_OWNER", PARENT_FROM)
    _own(client, CAROL, M1, "TECHNICAL_OWNER", VERSION_FROM)


def _marked(owners: list[dict[str, Any]]) -> set[tuple[str, ...]]:
    return {(o["owner"]["id"], o["role"], o["target"]["id"],
             "inherited" if o["inherited"] else "direct") for o in owners}  # fmt: skip


def test_the_trace_and_the_report_show_a_versions_own_owners(client: TestClient) -> None:
    _trained_and_predicting(client)
    expected = {
        (ADA, "steward", V1, "direct"),
        (BOB, "technical_owner", "Dataset:loans", "inherited"),
        (CAROL, "technical_owner", M1, "direct"),
    }
    trace = gql(client, TRACE)["predictionTrace"]
    assert _marked(trace["owners"]) == expected

    report = gql(client, """{ complianceReport(modelVersion: "churn@1") { lineage { owners {
        role inherited target { id } owner { ... on Person { id } } } } } }""")  # fmt: skip
    assert _marked(report["complianceReport"]["lineage"]["owners"]) == expected

    markdown = client.get("/api/v1/reports/compliance/churn@1", params={"format": "markdown"})
    assert markdown.status_code == 200, markdown.text
    text = markdown.text
    assert "| owner | kind | role | of | since | how |" in text
    # Owners by name, with their key: "Ada L. (ada@acme.example) | Person | steward | ...".
    ada, bob = ADA.split(":", 1)[1], BOB.split(":", 1)[1]
    assert (
        f"({ada}) | Person | steward | {V1} |" in text
        or f"| {ada} | Person | steward | {V1} |" in text
    )
    rows = [
        line
        for line in text.splitlines()
        if f"({bob}) | Person |" in line or f"| {bob} | Person |" in line
    ]
    assert rows and rows[0].endswith("| inherited |")
