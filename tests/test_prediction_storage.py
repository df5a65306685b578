"""How predictions are stored (issue 16, W5 and W7): MADE_BY is the prediction's `deployment`
and `model_version` properties (rules.PROPERTY_LINKS), indexed with its time (V0008), the
same whichever interface wrote it; V0008 folds relationships stored before into them. Every
writer keeps the day counts (PredictionDay, V0009) equal to a recount of the predictions."""

from __future__ import annotations

import asyncio
import io
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.domain.auth import Actor, Interface
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, NodeRecord, Rel, uid
from lineage_catalog.ingest.arrow import LoadKind
from lineage_catalog.services import bulk_load
from lineage_catalog.settings import Settings
from lineage_catalog.store import bulk, predictions
from lineage_catalog.store.graph import Graph, open_driver
from tests.factories import apply_migration_twice
from tests.fingerprint import prediction_days
from tests.governance_helpers import arrow_stream
from tests.graphql_client import gql
from tests.plans import plan_details

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _arrange(client: TestClient) -> None:
    gql(client, 'mutation { registerModel(input: {key: "m"}) { key } }')
    gql(client, 'mutation { registerModelVersion(input: {model: "m", version: "1"}) { key } }')
    gql(client, 'mutation { registerDeployment(input: {name: "m", environment: "prod"}) '
                "{ key } }")  # fmt: skip


def _stored(driver: Driver, key: str) -> dict[str, Any]:
    records, _, _ = driver.execute_query(
        "MATCH (p:Node {uid: $uid}) RETURN labels(p) AS labels, properties(p) AS props, "
        "count { (p)--() } AS rels",
        uid=uid(Kind.PREDICTION, key),
    )
    (row,) = records
    props = {k: v for k, v in row["props"].items() if k not in ("recorded_at", "key", "uid")}
    return {"labels": sorted(row["labels"]), "props": props, "rels": row["rels"]}


def test_graphql_and_bulk_store_a_prediction_the_same_way(
    client: TestClient, clean_graph: Driver
) -> None:
    _arrange(client)
    gql(
        client,
        """mutation { recordPrediction(input: {key: "by-gql", deployment: "prod/m",
        modelVersion: "m@1", time: "2026-03-01T12:00:00Z", output: "{\\"s\\": 1}"}) { key } }""",
    )
    body = arrow_stream([
        {"key": "by-bulk", "deployment": "prod/m", "model_version": "m@1", "time": T0,
         "output": '{"s": 1}'},
    ])  # fmt: skip
    response = client.post("/api/v1/load/predictions", content=body, params={"reason": "test"})
    assert response.status_code == 200, response.text
    by_gql, by_bulk = _stored(clean_graph, "by-gql"), _stored(clean_graph, "by-bulk")
    assert by_gql == by_bulk
    assert by_gql["labels"] == ["Node", "Prediction"] and by_gql["rels"] == 0
    assert by_gql["props"]["deployment"] == "prod/m"
    assert by_gql["props"]["model_version"] == "m@1"
    # Read back over the MADE_BY link, whichever way it was written.
    for key in ("by-gql", "by-bulk"):
        found = gql(
            client,
            "query($k: String!) { prediction(key: $k) { "
            "deployment { key } modelVersion { key } } }",
            k=key,
        )["prediction"]
        assert found == {"deployment": {"key": "prod/m"}, "modelVersion": {"key": "m@1"}}


def test_a_recorded_prediction_names_what_exists(client: TestClient, clean_graph: Driver) -> None:
    _arrange(client)
    response = client.post("/graphql", json={"query": """mutation { recordPrediction(input:
        {key: "p", deployment: "prod/nope", modelVersion: "m@1",
         time: "2026-03-01T12:00:00Z"}) { key } }"""})  # fmt: skip
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "input.deployment"
    records, _, _ = clean_graph.execute_query("MATCH (p:Prediction) RETURN count(p) AS n")
    assert records[0]["n"] == 0


def test_batches_refuse_made_by_relationships(settings: Settings, clean_graph: Driver) -> None:
    async def attempt() -> None:
        driver = open_driver(settings)
        try:
            edge = bulk.EdgeRow(Rel.MADE_BY, uid(Kind.PREDICTION, "p"), uid(Kind.DEPLOYMENT, "d"))
            graph = Graph(driver, database=settings.neo4j_database)
            await bulk.load_rows(graph, nodes=[], edges=[edge])
        finally:
            await driver.close()

    with pytest.raises(BadInputError, match="deployment and model_version properties"):
        asyncio.run(attempt())


def test_v0008_folds_stored_made_by_relationships_into_properties(clean_graph: Driver) -> None:
    clean_graph.execute_query(
        "CREATE (d:Node:Deployment {uid: 'Deployment:prod/old', kind: 'Deployment', "
        "                           key: 'prod/old'}), "
        "       (mv:Node:ModelVersion {uid: 'ModelVersion:old@1', kind: 'ModelVersion', "
        "                              key: 'old@1'}), "
        "       (p:Node:Prediction {uid: 'Prediction:old', kind: 'Prediction', key: 'old', "
        "                           time: $t}), "
        "       (p)-[:MADE_BY]->(d), (p)-[:MADE_BY]->(mv)",
        t=T0,
    )
    apply_migration_twice(clean_graph, "prediction_links")
    stored = _stored(clean_graph, "old")
    assert stored["rels"] == 0
    assert (stored["props"]["deployment"], stored["props"]["model_version"]) == (
        "prod/old", "old@1",
    )  # fmt: skip


def test_counts_per_deployment_and_version_are_index_seeks(clean_graph: Driver) -> None:
    """Impact's prediction counts read the day counts by their index, and the as-of day's
    predictions by the (model_version, time) or (deployment, time) index, never every
    prediction: the plan says so."""
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    details = plan_details(
        clean_graph, "questions/prediction_impact", model_versions=["ModelVersion:m@1"],
        as_of=at, last_full_day=(at - timedelta(days=1)).date(), as_of_day_start=at.replace(hour=0),
    )  # fmt: skip
    days = r"UNIQUE h:PredictionDay\(model_version, deployment, day, shard\) WHERE model_version"
    assert re.search(days, details), details
    assert re.search(r"RANGE INDEX p:Prediction\((deployment|model_version), time\)", details)


def _recount(driver: Driver) -> dict[tuple[str, str, Any], tuple[int, Any, Any]]:
    """The same, counted here from the stored predictions alone."""
    records, _, _ = driver.execute_query(
        "MATCH (p:Prediction) RETURN p.model_version AS mv, p.deployment AS d, p.time AS t"
    )
    days: dict[tuple[str, str, Any], list[datetime]] = {}
    for r in records:
        at = r["t"].to_native().astimezone(UTC)
        days.setdefault((r["mv"], r["d"], at.date()), []).append(at)
    return {k: (len(v), min(v), max(v)) for k, v in days.items()}


def test_day_counts_stay_the_count_of_the_predictions_whichever_writer(
    client: TestClient, clean_graph: Driver, settings: Settings
) -> None:
    """GraphQL, bulk loads (new keys, keys repeated in a batch, rows sent again with another
    time, deployment or version, two loads racing) and batches (the demo's path) each keep
    the day counts equal to a recount of the predictions, around midnights too."""
    _arrange(client)
    gql(client, 'mutation { registerModelVersion(input: {model: "m", version: "2"}) { key } }')
    gql(client, 'mutation { registerDeployment(input: {name: "m", environment: "staging"}) '
                "{ key } }")  # fmt: skip
    rng = random.Random(3)
    midnight = datetime(2026, 3, 2, tzinfo=UTC)

    def row(key: str) -> dict[str, Any]:
        near = midnight + timedelta(hours=rng.choice([-25, -1, 0, 1, 23, 24]),
                                    microseconds=rng.choice([-1, 0, 1, 777]))  # fmt: skip
        return {
            "key": key,
            "deployment": rng.choice(["prod/m", "staging/m"]),
            "model_version": rng.choice(["m@1", "m@2"]),
            "time": near,
            "output": "o",
        }

    actor = Actor("ServiceAccount:test-loader", True, Interface.CLI, "test-loader")

    async def batch(rows: list[dict[str, Any]]) -> None:
        driver = open_driver(settings)
        try:
            graph = Graph(driver, database=settings.neo4j_database)
            await bulk.load_rows(graph, nodes=[
                NodeRecord(Kind.PREDICTION, r["key"], {k: r[k] for k in
                           ("deployment", "model_version", "time")}) for r in rows
            ], edges=[])  # fmt: skip
        finally:
            await driver.close()

    async def race(body: bytes) -> None:
        driver = open_driver(settings)
        try:
            graph = Graph(driver, database=settings.neo4j_database)
            await asyncio.gather(*(
                bulk_load.load(graph, source=io.BytesIO(body), kind=LoadKind.PREDICTIONS,
                               actor=actor, batch_size=7)
                for _ in range(2)
            ))  # fmt: skip
        finally:
            await driver.close()

    keys = [f"k{i}" for i in range(25)]
    for step in range(24):
        way = step % 4
        if way == 0:
            r = row(rng.choice(keys))
            gql(client, """mutation($k: String!, $d: String!, $m: String!, $t: DateTime!) {
                recordPrediction(input: {key: $k, deployment: $d, modelVersion: $m, time: $t})
                { key } }""", k=r["key"], d=r["deployment"], m=r["model_version"],
                t=r["time"].isoformat())  # fmt: skip
        elif way == 1:
            rows = [row(rng.choice(keys)) for _ in range(15)]  # keys repeat, in and across
            response = client.post("/api/v1/load/predictions", content=arrow_stream(rows),
                                   params={"reason": "test"})  # fmt: skip
            assert response.status_code == 200, response.text
        elif way == 2:
            asyncio.run(batch([row(k) for k in rng.sample(keys, 6)]))
        else:
            asyncio.run(race(arrow_stream([row(rng.choice(keys)) for _ in range(12)])))
        assert prediction_days(clean_graph) == _recount(clean_graph), step
    assert len(_recount(clean_graph)) > 6  # several days, both deployments and versions


def test_one_writer_at_a_time_keeps_one_shard_per_day(
    client: TestClient, clean_graph: Driver
) -> None:
    """The shards a day is spread over come from writers running at once, not from how
    many transactions wrote it: what impact adds up does not grow with the loads."""
    _arrange(client)
    for n in range(6):
        rows = [{"key": f"seq-{n}-{i}", "deployment": "prod/m", "model_version": "m@1",
                 "time": T0 + timedelta(minutes=10 * n + i), "output": "o"}
                for i in range(5)]  # fmt: skip
        response = client.post("/api/v1/load/predictions", content=arrow_stream(rows),
                               params={"reason": "test"})  # fmt: skip
        assert response.status_code == 200, response.text
    records, _, _ = clean_graph.execute_query(
        "MATCH (h:PredictionDay) RETURN count(h) AS shards, sum(h.count) AS n"
    )
    assert (records[0]["shards"], records[0]["n"]) == (1, 30)


def test_more_writers_than_shards_share_the_least_held_and_release_only_their_own() -> None:
    """Beyond SHARDS writers at once, a writer shares the least held shard; when it is done,
    the writer it shared with still holds that shard (before, the overflow writer freed a
    shard it never held, and the next writer took it beside the one still writing)."""
    taken = [predictions._take_shard() for _ in range(predictions.SHARDS)]
    try:
        assert sorted(taken) == list(range(predictions.SHARDS))  # one each
        extra = predictions._take_shard()  # shares one
        predictions._release_shard(extra)
        assert predictions._holders == [1] * predictions.SHARDS
        # A shard freed by its writer is the next one taken.
        predictions._release_shard(taken[3])
        assert predictions._take_shard() == taken[3]
    finally:
        for shard in taken:
            predictions._release_shard(shard)
    assert predictions._holders == [0] * predictions.SHARDS


def test_v0009_counts_the_days_of_predictions_stored_before(clean_graph: Driver) -> None:
    clean_graph.execute_query(
        "UNWIND range(0, 49) AS i "
        "CREATE (:Node:Prediction {uid: 'Prediction:old-' + i, kind: 'Prediction', "
        "  key: 'old-' + i, deployment: 'prod/old', model_version: 'old@' + (i % 2), "
        "  time: $t + duration({hours: 5 * i})})",
        t=T0,
    )
    apply_migration_twice(clean_graph, "prediction_days")
    assert prediction_days(clean_graph) == _recount(clean_graph)
    assert len(prediction_days(clean_graph)) > 10


def test_new_keys_repeated_in_a_file_or_raced_by_another_load_land_once(
    client: TestClient, clean_graph: Driver, settings: Settings
) -> None:
    """New keys are CREATEd: a key twice in one batch is created once and then updated,
    and two loads racing on the same new keys both succeed (the loser of the uid
    constraint writes its batch again by MERGE), leaving each prediction once."""
    _arrange(client)
    rows = [
        {"key": f"race-{i % 300}", "deployment": "prod/m", "model_version": "m@1",
         "time": T0 + timedelta(seconds=i), "output": str(i)}
        for i in range(400)
    ]  # fmt: skip
    body = arrow_stream(rows)
    actor = Actor("ServiceAccount:test-loader", True, Interface.CLI, "test-loader")

    async def race() -> list[bulk_load.LoadReport]:
        driver = open_driver(settings)
        try:
            graph = Graph(driver, database=settings.neo4j_database)
            return list(await asyncio.gather(*(
                bulk_load.load(graph, source=io.BytesIO(body), kind=LoadKind.PREDICTIONS,
                               actor=actor, batch_size=200)
                for _ in range(2)
            )))  # fmt: skip
        finally:
            await driver.close()

    for report in asyncio.run(race()):
        assert (report.loaded, report.rejects) == (400, [])
    records, _, _ = clean_graph.execute_query(
        "MATCH (p:Prediction) WHERE p.key STARTS WITH 'race-' "
        "RETURN count(p) AS n, count(DISTINCT p.uid) AS keys, "
        "       max(CASE p.key WHEN 'race-5' THEN p.output END) AS last"
    )
    # race-5 came as rows 5 and 305: the later row's values win, whichever load wrote last.
    assert (records[0]["n"], records[0]["keys"], records[0]["last"]) == (300, 300, "305")
