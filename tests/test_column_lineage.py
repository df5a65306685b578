"""Column-level lineage from OpenLineage's columnLineage facet, on real Neo4j: a chain of
events sent through POST /api/v1/lineage (a PII source, a cleaning job that masks the
e-mail, a statistics job that aggregates), read back through columnLineage, a version's
columns and columnClassifications, each answer equal to networkx over the test's own
description of the chain (never the code under test)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from tests.governance_helpers import account_token, error_code, post_as
from tests.graphql_client import gql, post

PRODUCER = "https://example.com/column-lineage-tests"
NS = "crm"
RUNS = {"regions": "0c0c0000-0000-4000-8000-000000000000",
        "users": "0c0c0000-0000-4000-8000-000000000001",
        "users_clean": "0c0c0000-0000-4000-8000-000000000002",
        "country_stats": "0c0c0000-0000-4000-8000-000000000003"}  # fmt: skip
# The PII source's column names appear nowhere else, so a leak of any is visible.
SCHEMAS = {
    "regions": ["region", "active"],
    "users": ["uid", "email_address", "phone_number", "home_country", "annual_salary"],
    "users_clean": ["user_id", "email_hash", "contact", "country", "salary"],
    "country_stats": ["country", "n_users", "avg_salary", "email_hash_sample"],
}
IDENTITY = {"type": "DIRECT", "subtype": "IDENTITY"}
MASKED = {"type": "DIRECT", "subtype": "TRANSFORMATION", "description": "sha256",
          "masking": True}  # fmt: skip
COUNT = {"type": "DIRECT", "subtype": "AGGREGATION", "description": "count"}
MEAN = {"type": "DIRECT", "subtype": "AGGREGATION", "description": "avg"}
FILTER = {"type": "INDIRECT", "subtype": "FILTER", "description": "active regions only"}
# output dataset -> column -> [(input dataset, input column, transformations)]
LINEAGE: dict[str, dict[str, list[tuple[str, str, list[dict[str, Any]]]]]] = {
    "users_clean": {
        "user_id": [("users", "uid", [IDENTITY])],
        "email_hash": [("users", "email_address", [MASKED])],
        "contact": [("users", "email_address", [MASKED]), ("users", "phone_number", [IDENTITY])],
        "country": [("users", "home_country", [IDENTITY])],
        "salary": [("users", "annual_salary", [IDENTITY])],
    },
    "country_stats": {
        "country": [("users_clean", "country", [IDENTITY])],
        "n_users": [("users_clean", "user_id", [COUNT])],
        "avg_salary": [("users_clean", "salary", [MEAN])],
        "email_hash_sample": [("users_clean", "email_hash", [IDENTITY])],
    },
}
DATASET_WIDE = {"country_stats": [("regions", "active", [FILTER])]}
INPUTS = {"users_clean": ["users"], "country_stats": ["users_clean", "regions"]}


def version(name: str) -> str:
    """The version an output gets without a version facet: the run id."""
    return f"DatasetVersion:{NS}/{name}@{RUNS[name]}"


def col(name: str, column: str) -> str:
    return f"{version(name)}#{column}"


def _facet(**fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/x.json",
            **fields}  # fmt: skip


def _field(dataset: str, column: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"namespace": NS, "name": dataset, "field": column, "transformations": steps}


def _output(name: str) -> dict[str, Any]:
    facets: dict[str, Any] = {
        "schema": _facet(fields=[{"name": c, "type": "STRING"} for c in SCHEMAS[name]])
    }
    if name in LINEAGE:
        facets["columnLineage"] = _facet(
            fields={c: {"inputFields": [_field(*i) for i in given]}
                    for c, given in LINEAGE[name].items()},
            dataset=[_field(*i) for i in DATASET_WIDE.get(name, [])],
        )  # fmt: skip
    return {"namespace": NS, "name": name, "facets": facets}


def _events(name: str, hour: int) -> list[dict[str, Any]]:
    inputs = [{"namespace": NS, "name": i} for i in INPUTS.get(name, [])]
    return [
        {"eventType": kind, "eventTime": f"2026-05-01T{hour:02d}:{minute:02d}:00Z",
         "producer": PRODUCER,
         "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
         "run": {"runId": RUNS[name]}, "job": {"namespace": NS, "name": f"build_{name}"},
         "inputs": inputs, "outputs": [_output(name)] if kind == "COMPLETE" else []}
        for kind, minute in (("START", 0), ("COMPLETE", 5))
    ]  # fmt: skip


def expected_graph() -> nx.DiGraph:
    """The column graph the chain describes, each edge with its transformations."""
    g = nx.DiGraph()
    for out, columns in LINEAGE.items():
        for column, given in columns.items():
            for source, field, steps in given:
                g.add_edge(col(source, field), col(out, column), steps=steps, wide=False)
    for out, given in DATASET_WIDE.items():
        for source, field, steps in given:
            for column in SCHEMAS[out]:
                g.add_edge(col(source, field), col(out, column), steps=steps, wide=True)
    return g


def blocks(steps: list[dict[str, Any]]) -> bool:
    return bool(steps) and all(
        s.get("masking") or "AGGREGATION" in (s["type"], s.get("subtype")) for s in steps
    )


# Where classifications are set: (classification, column id, set on, on the column itself).
HELD = [("PII", col("users", c), f"Dataset:{NS}/users", False) for c in SCHEMAS["users"]]
HELD += [("SENSITIVE", col("users", "annual_salary"), version("users"), True)]


def expected_classifications(start: str) -> tuple[set[Any], set[Any]]:
    """(inherited, blocked) for a column, each (classification, holder, set on, path,
    blocking edge), from the graph above: inherited along a path of non-blocking edges."""
    g = expected_graph()
    open_g = nx.DiGraph([(u, v) for u, v, d in g.edges(data=True) if not blocks(d["steps"])])
    open_g.add_nodes_from(g)
    inherited, blocked = set(), set()
    for classification, holder, set_on, _ in HELD:
        if holder == start or nx.has_path(open_g, holder, start):
            path = nx.shortest_path(open_g, holder, start)
            inherited.add((classification, holder, set_on, tuple(reversed(path)), None))
        elif nx.has_path(g, holder, start):
            path = nx.shortest_path(g, holder, start)
            stop = next((u, v) for u, v in itertools.pairwise(path)
                        if blocks(g.edges[u, v]["steps"]))  # fmt: skip
            blocked.add((classification, holder, set_on, tuple(reversed(path)), stop))
    return inherited, blocked


REF = "{ column withheld version }"
EDGE = f"{{ source {REF} target {REF} transformations {{ type subtype description masking }} datasetWide blocks }}"  # noqa: E501
COLUMN_LINEAGE = f"""query($d: ID!, $c: String!, $dir: Direction, $depth: Int) {{
  columnLineage(dataset: $d, column: $c, direction: $dir, depth: $depth) {{
    withheld column {REF} nodes {REF} edges {EDGE} }} }}"""
PATH = f"{{ classification setOn onColumn holder {REF} path {REF} blockedBy {EDGE} }}"
COLUMN_CLASSIFICATIONS = f"""query($d: ID!, $c: String!) {{
  columnClassifications(dataset: $d, column: $c) {{ withheld column {REF}
    inherited {PATH} blocked {PATH} }} }}"""
CLASSIFY = """mutation($t: ID!, $c: String!, $cs: [String!]!, $r: String!) {
  classifyColumn(target: $t, column: $c, classifications: $cs, reason: $r) { id } }"""


def _id(ref: dict[str, Any]) -> str:
    return f"{ref['version']}#{ref['column']}"


@pytest.fixture
def chain(client: TestClient) -> Iterator[tuple[str, str]]:
    """The chain sent, the source classified; (cleared, uncleared) reader tokens."""
    gql(client, 'mutation { registerClassification(input: {key: "PII", restricted: true}) '
        "{ key } }")  # fmt: skip
    gql(client, 'mutation { registerClassification(input: {key: "SENSITIVE"}) { key } }')
    for hour, name in enumerate(["regions", "users", "users_clean", "country_stats"], start=8):
        for event in _events(name, hour):
            response = client.post("/api/v1/lineage", json=event)
            assert response.status_code == 201, response.text
    gql(client, CLASSIFY, t=version("users"), c="annual_salary", cs=["SENSITIVE"], r="payroll")
    gql(client, f'mutation {{ classify(target: "Dataset:{NS}/users", classifications: ["PII"], '
        'reason: "customer data") { id } }')  # fmt: skip
    cleared = account_token(client, "Person:col-cleared@acme.example", ["reader"], ["PII"])
    uncleared = account_token(client, "Person:col-reader@acme.example", ["reader"])
    yield cleared, uncleared


def _edges(answer: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(_id(e["source"]), _id(e["target"])): e for e in answer["edges"]}


def _steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("type", "subtype", "description", "masking")
    return [{k: s.get(k, False if k == "masking" else None) for k in keys} for s in steps]


@pytest.mark.parametrize(("start", "direction"), [
    (("country_stats", "country"), "UPSTREAM"),
    (("country_stats", "n_users"), "UPSTREAM"),
    (("users_clean", "contact"), "UPSTREAM"),
    (("users", "email_address"), "DOWNSTREAM"),
    (("users_clean", "country"), "BOTH"),
])  # fmt: skip
def test_column_lineage_equals_the_chain(
    client: TestClient, chain: tuple[str, str], start: tuple[str, str], direction: str
) -> None:
    cleared, _ = chain
    g, node = expected_graph(), col(*start)
    reach = {node}
    if direction in ("UPSTREAM", "BOTH"):
        reach |= nx.ancestors(g, node)
    if direction in ("DOWNSTREAM", "BOTH"):
        reach |= nx.descendants(g, node)
    want = set()
    if direction in ("UPSTREAM", "BOTH"):
        want |= {(u, v) for u, v in g.edges if v in ({node} | nx.ancestors(g, node))}
    if direction in ("DOWNSTREAM", "BOTH"):
        want |= {(u, v) for u, v in g.edges if u in ({node} | nx.descendants(g, node))}
    body = post_as(client, cleared, COLUMN_LINEAGE, d=version(start[0]), c=start[1],
                   dir=direction)  # fmt: skip
    assert "errors" not in body, body
    answer = body["data"]["columnLineage"]
    assert {_id(n) for n in answer["nodes"]} == reach
    edges = _edges(answer)
    assert set(edges) == want
    for (u, v), e in edges.items():
        assert _steps(e["transformations"]) == _steps(g.edges[u, v]["steps"])
        assert e["datasetWide"] == g.edges[u, v]["wide"]
        assert e["blocks"] == blocks(g.edges[u, v]["steps"])


def test_depth_and_a_dataset_id(client: TestClient, chain: tuple[str, str]) -> None:
    cleared, _ = chain
    g, node = expected_graph(), col("country_stats", "country")
    one = post_as(client, cleared, COLUMN_LINEAGE, d=f"Dataset:{NS}/country_stats",
                  c="country", depth=1)["data"]["columnLineage"]  # fmt: skip
    assert {_id(n) for n in one["nodes"]} == {node, *g.predecessors(node)}
    assert _id(one["column"]) == node  # the dataset's newest version


@pytest.mark.parametrize("start", [
    ("country_stats", "country"), ("country_stats", "n_users"),
    ("country_stats", "avg_salary"), ("country_stats", "email_hash_sample"),
    ("users_clean", "contact"), ("users_clean", "salary"), ("users", "annual_salary"),
])  # fmt: skip
def test_column_classifications_honour_masking_and_aggregation(
    client: TestClient, chain: tuple[str, str], start: tuple[str, str]
) -> None:
    cleared, _ = chain
    body = post_as(client, cleared, COLUMN_CLASSIFICATIONS, d=version(start[0]), c=start[1])
    assert "errors" not in body, body
    answer = body["data"]["columnClassifications"]

    def seen(found: list[dict[str, Any]]) -> set[Any]:
        return {
            (p["classification"], _id(p["holder"]), p["setOn"],
             tuple(_id(r) for r in p["path"]),
             (_id(p["blockedBy"]["source"]), _id(p["blockedBy"]["target"]))
             if p["blockedBy"] else None)
            for p in found
        }  # fmt: skip

    inherited, blocked = expected_classifications(col(*start))
    assert seen(answer["inherited"]) == inherited
    assert seen(answer["blocked"]) == blocked
    for p in answer["inherited"]:
        assert p["onColumn"] == (p["classification"] == "SENSITIVE")
    # The dataset-level answer is unchanged: PII upstream of every output version.
    paths = gql(client, f'{{ classificationsUpstream(id: "{version(start[0])}") '
                "{ classification } }")["classificationsUpstream"]  # fmt: skip
    assert "PII" in {p["classification"] for p in paths}


def test_the_example_answers(client: TestClient, chain: tuple[str, str]) -> None:
    """The rule in words: masked and aggregated columns do not inherit PII; copies do."""
    cleared, _ = chain

    def pii(name: str, column: str) -> tuple[bool, bool]:
        answer = post_as(client, cleared, COLUMN_CLASSIFICATIONS, d=version(name),
                         c=column)["data"]["columnClassifications"]  # fmt: skip
        return (any(p["classification"] == "PII" for p in answer["inherited"]),
                any(p["classification"] == "PII" for p in answer["blocked"]))  # fmt: skip

    assert pii("country_stats", "country") == (True, False)
    assert pii("country_stats", "n_users") == (False, True)
    assert pii("country_stats", "email_hash_sample") == (False, True)
    assert pii("users_clean", "contact") == (True, True)  # the phone is copied, e-mail masked


def test_a_versions_columns_with_their_inputs(client: TestClient, chain: tuple[str, str]) -> None:
    cleared, _ = chain
    g = expected_graph()
    query = f"""{{ node(id: "{version("country_stats")}") {{ ... on DatasetVersion {{
        columns {{ name type inputs {EDGE} }} }} }} }}"""
    columns = post_as(client, cleared, query)["data"]["node"]["columns"]
    assert [c["name"] for c in columns] == SCHEMAS["country_stats"]
    for c in columns:
        node = col("country_stats", c["name"])
        assert {_id(e["source"]) for e in c["inputs"]} == set(g.predecessors(node))
        assert c["type"] == "STRING"


def test_the_uncleared_reader_sees_no_pii_column_name(
    client: TestClient, chain: tuple[str, str]
) -> None:
    cleared, uncleared = chain
    secret = SCHEMAS["users"]
    reads = [
        (COLUMN_LINEAGE, {"d": version("country_stats"), "c": "country", "dir": "UPSTREAM"}),
        (COLUMN_LINEAGE, {"d": version("users"), "c": "email_address", "dir": "DOWNSTREAM"}),
        (COLUMN_LINEAGE, {"d": version("users"), "c": "no_such_column", "dir": "BOTH"}),
        (COLUMN_CLASSIFICATIONS, {"d": version("users_clean"), "c": "contact"}),
        (COLUMN_CLASSIFICATIONS, {"d": version("users"), "c": "email_address"}),
        (
            f"""{{ a: node(id: "{version("users_clean")}") {{ ... on DatasetVersion {{
              columns {{ name inputs {EDGE} }} }} }}
              b: node(id: "{version("users")}") {{ ... on DatasetVersion {{
              columns {{ name }} }} }} }}""",
            {},
        ),
        (
            f"""{{ auditTrail(target: ["{version("users")}"]) {{ edges {{ node {{
              action after }} }} }} }}""",
            {},
        ),
    ]
    for query, variables in reads:
        hidden = post_as(client, uncleared, query, **variables)
        assert "errors" not in hidden, hidden
        text = str(hidden)
        assert not any(name in text for name in secret), (query, hidden)
        shown = post_as(client, cleared, query, **variables)
        # The cleared reader is told of an unknown column; the uncleared one is not.
        assert ("errors" in shown) == (variables.get("c") == "no_such_column"), shown
    # Withheld, not dropped: the cleaned version's inputs are there, without names.
    answer = post_as(client, uncleared, COLUMN_LINEAGE, d=version("users_clean"), c="contact",
                     dir="UPSTREAM")["data"]["columnLineage"]  # fmt: skip
    sources = [e["source"] for e in answer["edges"]]
    assert len(sources) == 2 and all(s["withheld"] and s["column"] is None for s in sources)
    start = post_as(client, uncleared, COLUMN_LINEAGE, d=version("users"), c="email_address",
                    dir="DOWNSTREAM")["data"]["columnLineage"]  # fmt: skip
    assert start["withheld"] and start["nodes"] == [] and start["edges"] == []
    # The cleared reader sees the names; both reads are in the access log.
    shown = post_as(client, cleared, COLUMN_LINEAGE, d=version("users_clean"), c="contact",
                    dir="UPSTREAM")["data"]["columnLineage"]  # fmt: skip
    assert {e["source"]["column"] for e in shown["edges"]} == {"email_address", "phone_number"}
    log = gql(client, f'{{ accessLog(target: "{version("users")}") {{ actor field granted }} }}')
    reads_logged = {(r["actor"], r["field"], r["granted"]) for r in log["accessLog"]}
    assert ("Person:col-reader@acme.example", "columns", False) in reads_logged
    assert ("Person:col-cleared@acme.example", "columns", True) in reads_logged


def test_bad_input_names_the_argument(client: TestClient, chain: tuple[str, str]) -> None:
    cleared, _ = chain
    cases = [
        (COLUMN_LINEAGE, {"d": version("users_clean"), "c": "nope"}, "column"),
        (COLUMN_LINEAGE, {"d": "not an id", "c": "x"}, "dataset"),
        (COLUMN_LINEAGE, {"d": "Job:crm/build_users", "c": "x"}, "dataset"),
        (COLUMN_LINEAGE, {"d": f"DatasetVersion:{NS}/users_clean@nope", "c": "x"}, "dataset"),
        (COLUMN_LINEAGE, {"d": version("users_clean"), "c": "contact", "depth": 0}, "depth"),
        (COLUMN_CLASSIFICATIONS, {"d": version("country_stats"), "c": "nope"}, "column"),
    ]
    for query, variables, field in cases:
        body = post_as(client, cleared, query, **variables)
        assert error_code(body) == "BAD_USER_INPUT", (variables, body)
        assert body["errors"][0]["extensions"]["field"] == field, body
        assert body["errors"][0]["path"] is not None


def test_classify_column_is_governed_and_audited(
    client: TestClient, chain: tuple[str, str]
) -> None:
    cleared, _ = chain
    target = version("users_clean")
    assert error_code(post(client, CLASSIFY, t=target, c="contact", cs=["SENSITIVE"],
                           r=" ")) == "BAD_USER_INPUT"  # fmt: skip
    body = post(client, CLASSIFY, t=target, c="nope", cs=["SENSITIVE"], r="x")
    assert error_code(body) == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "column"
    body = post(client, CLASSIFY, t=target, c="contact", cs=["NOPE"], r="x")
    assert body["errors"][0]["extensions"]["field"] == "classifications.0"
    assert error_code(post_as(client, cleared, CLASSIFY, t=target, c="contact",
                              cs=["SENSITIVE"], r="x")) == "FORBIDDEN"  # fmt: skip
    gql(client, CLASSIFY, t=target, c="contact", cs=["SENSITIVE"], r="contact data")
    gql(client, CLASSIFY, t=target, c="contact", cs=["SENSITIVE"], r="again")  # no new event
    trail = gql(client, f"""{{ auditTrail(target: ["{target}"], action: "classification.")
        {{ edges {{ node {{ action after reason }} }} }} }}""")["auditTrail"]["edges"]  # fmt: skip
    assert [e["node"] for e in trail] == [
        {"action": "classification.add", "reason": "contact data",
         "after": {"schema": [{"name": "contact",
                               "classifications": ["Classification:SENSITIVE"]}]}}
    ]  # fmt: skip
    answer = post_as(client, cleared, COLUMN_CLASSIFICATIONS, d=f"Dataset:{NS}/country_stats",
                     c="country")["data"]["columnClassifications"]  # fmt: skip
    assert all(p["classification"] != "SENSITIVE" for p in answer["inherited"])  # not upstream


def _statements(client: TestClient, token: str, query: str, **variables: Any) -> int:
    body = post_as(client, token, query, **variables)
    assert "errors" not in body, body
    count: int = body["extensions"]["neo4jStatements"]
    return count


def test_round_trips_do_not_grow_with_depth_or_columns(
    client: TestClient, chain: tuple[str, str]
) -> None:
    cleared, _ = chain
    start = {"d": version("country_stats"), "c": "country"}
    shallow = _statements(client, cleared, COLUMN_LINEAGE, **start, depth=2)
    assert _statements(client, cleared, COLUMN_LINEAGE, **start, depth=5) == shallow
    assert _statements(client, cleared, COLUMN_LINEAGE, **start, dir="BOTH") <= shallow + 1
    one = _statements(client, cleared, COLUMN_CLASSIFICATIONS, d=version("users_clean"),
                      c="salary")  # fmt: skip
    assert _statements(client, cleared, COLUMN_CLASSIFICATIONS, **start) == one
    every = f"""{{ a: node(id: "{version("users_clean")}") {{ ... on DatasetVersion {{
        columns {{ name inputs {EDGE} }} }} }}
        b: node(id: "{version("country_stats")}") {{ ... on DatasetVersion {{
        columns {{ name inputs {EDGE} }} }} }} }}"""
    single = f"""{{ a: node(id: "{version("users_clean")}") {{ ... on DatasetVersion {{
        columns {{ name inputs {EDGE} }} }} }} }}"""
    assert _statements(client, cleared, every) == _statements(client, cleared, single)
