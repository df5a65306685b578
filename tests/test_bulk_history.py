"""History through bulk files: intervals with pyarrow's timestamp[us, tz=UTC] columns answer
[validFrom, validTo) exactly at every boundary; serving history is an admin's audited
import of closed intervals, shown as such in the compliance report; a writer's champion
row is refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.store.migrations import load_migrations
from tests.fingerprint import fingerprint
from tests.governance_helpers import account_token, audit_events, post_as
from tests.graphql_client import gql

SETUP = """mutation {
  ada: registerPerson(input: {email: "ada@history.example"}) { id }
  bob: registerPerson(input: {email: "bob@history.example"}) { id }
  registerDataset(input: {key: "raw"}) { id }
  registerModel(input: {key: "m"}) { id }
  v1: registerModelVersion(input: {model: "m", version: "1"}) { id }
  v2: registerModelVersion(input: {model: "m", version: "2"}) { id }
  v3: registerModelVersion(input: {model: "m", version: "3"}) { id }
  registerDeployment(input: {name: "api", environment: "prod"}) { id }
}"""
SERVING_AT = """query($at: DateTime!) {
  deployment(key: "prod/api") { serving(asOf: $at) { role modelVersion { key } } } }"""
OWNERS_AT = """query($at: DateTime!) {
  dataset(key: "raw") { owners(asOf: $at) { owner { ... on Person { key } } } } }"""
T = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=10 * i, microseconds=250) for i in range(4)]
US = timedelta(microseconds=1)
EDGE_SCHEMA = pa.schema([
    ("type", pa.string()), ("source", pa.string()), ("target", pa.string()),
    ("role", pa.string()), ("traffic_share", pa.float64()),
    ("valid_from", pa.timestamp("us", tz="UTC")), ("valid_to", pa.timestamp("us", tz="UTC")),
])  # fmt: skip


def _parquet(rows: list[dict[str, Any]]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=EDGE_SCHEMA), sink)
    return sink.getvalue()


def _load(
    client: TestClient, rows: list[dict[str, Any]], *, reason: str | None = "history import",
    token: str | None = None,
) -> tuple[int, dict[str, Any]]:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"} if token else None
    params = {"reason": reason} if reason else None
    response = client.post("/api/v1/load/edges", content=_parquet(rows), params=params,
                           headers=headers)  # fmt: skip
    body: dict[str, Any] = response.json()
    return response.status_code, body


def _served(version: int, start: datetime, end: datetime | None) -> dict[str, Any]:
    target = f"ModelVersion:m@{version}"
    return {"type": "SERVED", "source": "Deployment:prod/api", "target": target,
            "role": "champion", "traffic_share": 1.0, "valid_from": start,
            "valid_to": end}  # fmt: skip


def _owns(person: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {"type": "OWNS", "source": f"Person:{person}@history.example",
            "target": "Dataset:raw", "role": "steward", "traffic_share": None,
            "valid_from": start, "valid_to": end}  # fmt: skip


def _serving(client: TestClient, at: datetime) -> list[str]:
    found = gql(client, SERVING_AT, at=at.isoformat())["deployment"]["serving"]
    return sorted(s["modelVersion"]["key"] for s in found)


def _owners(client: TestClient, at: datetime) -> list[str]:
    return sorted(
        o["owner"]["key"] for o in gql(client, OWNERS_AT, at=at.isoformat())["dataset"]["owners"]
    )


def _expect_at_every_boundary(client: TestClient) -> None:
    # [T0, T1) m@1, [T1, T2) m@2, [T2, T3) m@3; ada owns over [T0, T1), bob over [T1, T2).
    serving = {0: ["m@1"], 1: ["m@2"], 2: ["m@3"], 3: []}
    owners = {0: ["ada@history.example"], 1: ["bob@history.example"], 2: [], 3: []}
    for i, at in enumerate(T):
        before = i - 1
        assert _serving(client, at) == serving[i], at
        assert _serving(client, at - US) == (serving[before] if before >= 0 else []), at
        assert _serving(client, at + US) == serving[i], at
        assert _owners(client, at) == owners[i], at
        assert _owners(client, at - US) == (owners[before] if before >= 0 else []), at
        assert _owners(client, at + US) == owners[i], at


def test_intervals_from_a_timestamp_tz_utc_file_hold_at_every_boundary(
    client: TestClient, clean_graph: Driver
) -> None:
    gql(client, SETUP)
    rows = [_served(1, T[0], T[1]), _served(2, T[1], T[2]), _served(3, T[2], T[3]),
            _owns("ada", T[0], T[1]), _owns("bob", T[1], T[2])]  # fmt: skip
    assert _load(client, rows) == (200, {"kind": "edges", "rows": 5, "loaded": 5,
                                         "rejected": 0, "rejects": []})  # fmt: skip
    records, _, _ = clean_graph.execute_query(
        "MATCH ()-[r:SERVED|OWNS]->() RETURN collect(DISTINCT r.valid_from.timezone) AS zones"
    )
    assert records[0]["zones"] == ["Z"]  # a fixed offset, never the zone name UTC
    _expect_at_every_boundary(client)


def test_the_migration_fixes_times_stored_with_a_zone_name(
    client: TestClient, clean_graph: Driver
) -> None:
    gql(client, SETUP)
    # As bulk loads stored them before: `…Z[UTC]`, which Neo4j orders apart from `…Z`.
    clean_graph.execute_query(
        "UNWIND $rows AS row MATCH (a:Node {uid: row.source}), (b:Node {uid: row.target}) "
        "CREATE (a)-[r:$(row.type)]->(b) SET r.role = row.role, "
        "r.valid_from = datetime(row.valid_from + '[UTC]'), "
        "r.valid_to = datetime(row.valid_to + '[UTC]')",
        rows=[{"type": "SERVED", "source": "Deployment:prod/api", "target": f"ModelVersion:m@{v}",
               "role": "champion", "valid_from": _iso(T[v - 1]), "valid_to": _iso(T[v])}
              for v in (1, 2, 3)]
        + [{"type": "OWNS", "source": f"Person:{p}@history.example", "target": "Dataset:raw",
            "role": "steward", "valid_from": _iso(T[i]), "valid_to": _iso(T[i + 1])}
           for i, p in enumerate(("ada", "bob"))],
    )  # fmt: skip
    # A node time with a zone name too, of a zone that is not UTC.
    clean_graph.execute_query(
        "MATCH (v:Node {uid: 'ModelVersion:m@1'}) "
        "SET v.created_at = datetime('2026-05-01T12:00:00+02:00[Europe/Berlin]')"
    )
    # The flaw: at T1 the interval that ended then still holds, the one that began does not.
    assert _serving(client, T[1]) == ["m@1"]
    (migration,) = [m for m in load_migrations() if m.name == "utc_times"]
    for statement in migration.statements:
        clean_graph.execute_query(statement)
    _expect_at_every_boundary(client)
    records, _, _ = clean_graph.execute_query(
        "MATCH (v:Node {uid: 'ModelVersion:m@1'}) RETURN toString(v.created_at) AS t"
    )
    assert records[0]["t"] == "2026-05-01T10:00:00Z"  # the same instant, in UTC
    before = fingerprint(clean_graph)
    for statement in migration.statements:  # idempotent
        clean_graph.execute_query(statement)
    assert fingerprint(clean_graph) == before


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def test_a_writer_cannot_load_a_champion_and_an_admin_imports_closed_history_audited(
    client: TestClient, clean_graph: Driver
) -> None:
    gql(client, SETUP)
    writer = account_token(client, "ServiceAccount:history-writer", ["writer"])
    open_champion = _served(1, datetime.now(UTC) - timedelta(days=1), None)
    before = fingerprint(clean_graph)
    status, body = _load(client, [open_champion], token=writer)
    assert (status, body["loaded"]) == (207, 0)
    assert body["rejects"] == [{
        "row": 1, "field": None, "code": "FORBIDDEN",
        "reason": "serving history (SERVED) rows need the admin role",
    }]  # fmt: skip
    # An admin cannot start current serving either, nor import without a reason.
    status, body = _load(client, [open_champion])
    assert body["rejects"][0]["field"] == "valid_to" and "closed serving history" in body[
        "rejects"][0]["reason"]  # fmt: skip
    status, body = _load(client, [_served(1, T[0], T[1])], reason=None)
    assert body["rejects"][0]["field"] == "reason"
    assert fingerprint(clean_graph) == before
    assert gql(client, "{ productionView { key } }")["productionView"] == []

    assert _load(client, [_served(1, T[0], T[1])], reason="v1 served before the catalog")[0] == 200
    (event,) = audit_events(clean_graph, action="bulk.edges")[-1:]
    assert event["reason"] == "v1 served before the catalog"
    history = gql(
        client,
        """{ deployment(key: "prod/api") {
      servingHistory { imported changedBy reason modelVersion { key } } } }""",
    )
    (served,) = history["deployment"]["servingHistory"]
    assert served["imported"] is True and served["reason"] == "v1 served before the catalog"
    assert served["changedBy"] == event["actor"]

    # The same row again changes nothing; a row that rewrites it or overlaps it is refused.
    after_import = fingerprint(clean_graph, with_audit=False)
    assert _load(client, [_served(1, T[0], T[1])])[0] == 200
    assert fingerprint(clean_graph, with_audit=False) == after_import
    status, body = _load(client, [_served(1, T[0], T[2])])
    assert "would rewrite the stored serving interval" in body["rejects"][0]["reason"]
    status, body = _load(client, [_served(2, T[0] + timedelta(days=1), T[2])])
    assert "overlaps ModelVersion:m@1" in body["rejects"][0]["reason"]
    assert fingerprint(clean_graph, with_audit=False) == after_import

    report = client.get("/api/v1/reports/compliance/m@1", params={"format": "markdown"})
    assert report.status_code == 200
    assert "History imported, no approval on record" in report.text
    assert "No request" not in report.text
    assert "v1 served before the catalog" in report.text


def test_a_file_cannot_rewrite_serving_or_tie_a_version_to_another_parent(
    client: TestClient, clean_graph: Driver
) -> None:
    gql(client, SETUP)
    before = fingerprint(clean_graph)
    audited = len(audit_events(clean_graph, action="bulk.edges"))  # the trail outlives wipes
    # Two champions at once in one file: the second is refused, the first lands.
    status, body = _load(client, [_served(1, T[0], T[2]), _served(2, T[1], T[3])])
    assert (status, body["loaded"], body["rejects"][0]["row"]) == (207, 1, 2), body
    assert "overlaps ModelVersion:m@1's as champion in the same file" in body["rejects"][0][
        "reason"]  # fmt: skip
    # A serving row needs its role; structural links come only with their node.
    imports = len(audit_events(clean_graph, action="bulk.edges"))
    after_first = fingerprint(clean_graph)
    loose = {
        "type": "VERSION_OF",
        "source": "ModelVersion:m@1",
        "target": "Model:m",
        "role": None,
        "traffic_share": None,
        "valid_from": None,
        "valid_to": None,
    }
    rows = [{**_served(3, T[2], T[3]), "role": None}, loose]  # fmt: skip
    status, body = _load(client, rows)
    assert [(r["row"], r["field"]) for r in body["rejects"]] == [(1, "role"), (2, "type")], body
    assert "written with their node" in body["rejects"][1]["reason"]
    # The first file's first row landed, audited; the second file wrote nothing at all.
    assert imports == audited + 1 and after_first != before
    assert fingerprint(clean_graph) == after_first


def test_rollback_never_makes_imported_history_of_an_unapproved_version_champion(
    client: TestClient, clean_graph: Driver
) -> None:
    from tests.factories import make_champion

    gql(client, SETUP)
    approver = account_token(client, "Person:approver@history.example", ["approver"])
    # m@3 served as champion once, elsewhere, and was never approved here.
    assert _load(client, [_served(3, T[0], T[1])])[0] == 200
    make_champion(client, approver, deployment="prod/api", model_version="m@1")
    body = post_as(client, approver, 'mutation { rollback(deployment: "prod/api", '
                                     'reason: "alerts") { key } }')  # fmt: skip
    assert body["errors"][0]["extensions"]["code"] == "FAILED_PRECONDITION", body
    assert "m@3 is registered" in body["errors"][0]["message"]
    assert _serving(client, datetime.now(UTC)) == ["m@1"]
