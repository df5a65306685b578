"""Part 5: 32 clients for 60 s of mixed reads and writes (httpx async). Counts 5xx and masked
errors, p50/p99, and checks that every acknowledged write is in the graph afterwards."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import attack_common as common
import httpx
from neo4j import GraphDatabase

READS = [
    (
        5,
        "trace",
        "query($k: String!) { predictionTrace(key: $k) { modelVersion { key } "
        "datasetVersions { key } owners { role } } }",
    ),
    (
        3,
        "impact",
        "query($k: String!) { impact(datasetVersion: $k) { predictionCount "
        "modelVersions { key } } }",
    ),
    (
        3,
        "lineage",
        "query($id: ID!) { lineage(id: $id, direction: BOTH, depth: 4, first: 50) "
        "{ totalNodes edges { type } } }",
    ),
    (2, "search", "query($t: String!) { search(text: $t, first: 10) { score node { id } } }"),
    (
        2,
        "dataset",
        "query($k: String!) { dataset(key: $k) { key versions { key schema "
        "{ name } } owners { role } } }",
    ),
    (1, "production", "{ productionView { key serving { role modelVersion { key } } } }"),
    (1, "audit", "{ auditTrail(first: 20) { edges { node { action target } } } }"),
    (1, "unowned", "{ unowned(first: 20) { totalCount } }"),
]
WRITE_SHARE = 0.3


class Load:
    def __init__(self, catalog: common.Catalog, part: common.Part) -> None:
        self.catalog = catalog
        self.part = part
        self.acked: list[str] = []  # uids of acknowledged writes
        self.keys: dict[str, list[str]] = {}

    def discover(self) -> None:
        """Keys of the demo data to read."""
        with self.catalog.client("reader") as client:
            for kind in ("PREDICTION", "DATASET_VERSION", "DATASET", "MODEL_VERSION"):
                answer = client.post(
                    "/graphql",
                    json={
                        "query": "query($k: NodeKind!) { nodes(kind: $k, first: 200) "
                        "{ edges { node { key id } } } }",
                        "variables": {"k": kind},
                    },
                ).json()
                edges = answer["data"]["nodes"]["edges"]
                self.keys[kind] = [e["node"]["key"] for e in edges]
                self.keys[kind + "_ID"] = [e["node"]["id"] for e in edges]

    def read_variables(self, name: str, rng: random.Random) -> dict[str, Any]:
        pick = rng.choice
        if name == "trace":
            return {"k": pick(self.keys["PREDICTION"] or ["none"])}
        if name == "impact":
            return {"k": pick(self.keys["DATASET_VERSION"] or ["none@1"])}
        if name == "lineage":
            return {"id": pick(self.keys["MODEL_VERSION_ID"] + self.keys["DATASET_VERSION_ID"])}
        if name == "search":
            return {"t": pick(["loans", "customers", "credit", "risk", "raw", "atk", "features"])}
        if name == "dataset":
            return {"k": pick(self.keys["DATASET"] or ["none"])}
        return {}

    async def client_loop(self, number: int, deadline: float, who: str) -> None:
        rng = random.Random(number)
        async with httpx.AsyncClient(
            base_url=self.catalog.url, headers=self.catalog.headers(who), timeout=120
        ) as client:
            index = 0
            weights = [w for w, _, _ in READS]
            while time.monotonic() < deadline:
                index += 1
                if who == "writer" and rng.random() < WRITE_SHARE * 2:
                    await self.write(client, number, index, rng)
                else:
                    _, name, query = rng.choices(READS, weights=weights)[0]
                    await self.post(
                        client,
                        "/graphql",
                        {"query": query, "variables": self.read_variables(name, rng)},
                        f"read {name}",
                    )

    async def write(
        self, client: httpx.AsyncClient, number: int, index: int, rng: random.Random
    ) -> None:
        key = f"atk-load-{number}-{index}"
        choice = rng.random()
        if choice < 0.4:
            ok = await self.post(
                client,
                "/graphql",
                {
                    "query": "mutation($i: DatasetInput!) { registerDataset(input: $i) { id } }",
                    "variables": {
                        "i": {
                            "key": key,
                            "description": f"load {number}/{index}",
                            "tags": ["atk-load"],
                        }
                    },
                },
                "write registerDataset",
            )
            if ok:
                self.acked.append(f"Dataset:{key}")
                ok = await self.post(
                    client,
                    "/graphql",
                    {
                        "query": "mutation($i: DatasetVersionInput!) { registerDatasetVersion"
                        "(input: $i) { id } }",
                        "variables": {"i": {"dataset": key, "version": "v1", "rowCount": index}},
                    },
                    "write registerDatasetVersion",
                )
                if ok:
                    self.acked.append(f"DatasetVersion:{key}@v1")
        elif choice < 0.7:
            run_id = f"atk-load-run-{number}-{index}"
            ok = await self.post(
                client,
                "/graphql",
                {
                    "query": "mutation($i: RunInput!) { recordRun(input: $i) { id } }",
                    "variables": {
                        "i": {
                            "runId": run_id,
                            "job": "atk-train",
                            "runKind": "OTHER",
                            "used": ["DatasetVersion:atk-source@v1"],
                        }
                    },
                },
                "write recordRun",
            )
            if ok:
                self.acked.append(f"Run:{run_id}")
        else:
            run_id = str(uuid.uuid4())
            now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            event = {
                "eventType": "COMPLETE",
                "eventTime": now,
                "run": {"runId": run_id},
                "job": {"namespace": "atk-load", "name": f"job-{number % 4}"},
                "inputs": [{"namespace": "atk-load", "name": "source"}],
                "outputs": [{"namespace": "atk-load", "name": f"out-{number}"}],
                "producer": "https://attack.example/load",
                "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            }
            if await self.post(client, "/api/v1/lineage", event, "write OpenLineage"):
                self.acked.append(f"Run:{run_id}")

    async def post(self, client: httpx.AsyncClient, path: str, body: Any, label: str) -> bool:
        content = json.dumps(body).encode()
        offset = self.catalog.log.offset()
        started = time.perf_counter()
        try:
            response = await client.post(
                path, content=content, headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as e:
            self.part.count_request(0, None)
            self.part.fail(
                "bad answer",
                f"{label}: no answer ({type(e).__name__})",
                request=f"POST {path}",
                response=str(e)[:200],
                expected="an answer",
            )
            return False
        elapsed = (time.perf_counter() - started) * 1000
        answer = common.judge(
            self.part, self.catalog.log, offset, "POST", path, content, response, elapsed, label
        )
        return 200 <= answer.status < 300 and not answer.errors

    def verify(self) -> None:
        with GraphDatabase.driver(self.catalog.neo4j_uri, auth=("neo4j", "neo4j-password")) as d:
            records, _, _ = d.execute_query(
                "UNWIND $uids AS uid MATCH (n:Node {uid: uid}) RETURN collect(n.uid) AS found",
                uids=self.acked,
            )
        found = set(records[0]["found"])
        missing = [u for u in self.acked if u not in found]
        for uid in missing:
            self.part.fail(
                "lost write",
                "acknowledged write missing after the load",
                request=uid,
                response="not in the graph",
                expected="every acknowledged write present",
            )
        self.part.note(f"{len(self.acked)} acknowledged writes checked, {len(missing)} missing")


def run(catalog: common.Catalog, args: argparse.Namespace) -> list[common.Part]:
    part = common.Part(f"5. {args.clients} clients, mixed load")
    load = Load(catalog, part)
    load.discover()
    started = time.monotonic()

    async def all_clients() -> None:
        deadline = time.monotonic() + args.duration
        await asyncio.gather(
            *(
                load.client_loop(n, deadline, "writer" if n % 2 == 0 else "reader")
                for n in range(args.clients)
            )
        )

    asyncio.run(all_clients())
    part.seconds = time.monotonic() - started
    load.verify()
    part.latency_note()
    seconds = max(part.seconds, 1e-9)
    part.note(
        f"{part.requests / seconds:.0f} requests/s over {part.seconds:.0f}s; statuses "
        + ", ".join(f"{s}: {n}" for s, n in sorted(part.statuses.items()))
    )
    return [part]
