"""Credentials are stripped from every stored URI (issue 15, part 2): an OpenLineage
dataSource, a GraphQL input and a bulk file all store `postgres://host/db`, never
`postgres://user:password@host/db`; V0006 does the same to what was stored before."""

from __future__ import annotations

import io
import uuid

import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.domain.rules import without_userinfo
from tests.factories import apply_migration_twice
from tests.graphql_client import gql

SECRET = "postgres://loader:s3cret-pw@db.acme.example:5432/sales"
CLEAN = "postgres://db.acme.example:5432/sales"


@pytest.mark.parametrize(
    ("uri", "stored"),
    [
        (SECRET, CLEAN),
        ("jdbc:postgresql://u:p@h/db?ssl=true", "jdbc:postgresql://h/db?ssl=true"),
        ("https://token@host/a@b", "https://host/a@b"),
        ("s3://bucket/path@v1", "s3://bucket/path@v1"),  # an @ in the path is not userinfo
        ("https://host/x?user=a@b", "https://host/x?user=a@b"),
        ("file:///tmp/x", "file:///tmp/x"),
        ("not a uri@all", "not a uri@all"),
    ],
)
def test_the_rule(uri: str, stored: str) -> None:
    assert without_userinfo(uri) == stored


def test_every_interface_stores_the_uri_without_credentials(
    client: TestClient, clean_graph: Driver
) -> None:
    gql(client, """mutation($l: String!) { registerDataset(input: {key: "creds-gql",
        location: $l}) { key } }""", l=SECRET)  # fmt: skip
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-05-01T10:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "creds", "name": "job"},
        "inputs": [{"namespace": "creds", "name": "orders",
                    "facets": {"dataSource": {"name": "postgres", "uri": SECRET}}}],
        "outputs": [],
        "producer": "https://example.com/creds-test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }  # fmt: skip
    assert client.post("/api/v1/lineage", json=event).status_code == 201
    gql(client, 'mutation { registerDataset(input: {key: "creds-bulk"}) { key } }')
    sink = io.BytesIO()
    table = pa.Table.from_pylist([{"dataset": "creds-bulk", "version": "v1",
                                   "content_hash": "sha256:1", "location": SECRET}])  # fmt: skip
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    loaded = client.post("/api/v1/load/dataset_versions", content=sink.getvalue())
    assert loaded.status_code == 200, loaded.text

    records, _, _ = clean_graph.execute_query(
        "MATCH (n:Node) WHERE n.location IS NOT NULL RETURN n.uid AS uid, n.location AS l"
    )
    found = {r["uid"]: r["l"] for r in records}
    assert found["Dataset:creds-gql"] == CLEAN
    assert found["Dataset:creds/orders"] == CLEAN
    assert found["DatasetVersion:creds-bulk@v1"] == CLEAN
    assert not [r for r in records if "s3cret" in r["l"]]


def test_v0006_strips_what_was_stored_before(clean_graph: Driver) -> None:
    clean_graph.execute_query(
        "CREATE (:Node {uid: 'Dataset:old', location: $secret, url: 'https://t@h/x'}),"
        "       (:Node {uid: 'Dataset:fine', location: 's3://b/k@v1'})",
        secret=SECRET,
    )
    apply_migration_twice(clean_graph, "uri_credentials")
    records, _, _ = clean_graph.execute_query(
        "MATCH (n:Node) WHERE n.uid IN ['Dataset:old', 'Dataset:fine'] "
        "RETURN n.uid AS uid, n.location AS l, n.url AS u"
    )
    found = {r["uid"]: (r["l"], r["u"]) for r in records}
    assert found == {"Dataset:old": (CLEAN, "https://h/x"), "Dataset:fine": ("s3://b/k@v1", None)}
