"""Part 4: Neo4j SIGKILLed during a bulk load and during an OpenLineage burst from four
senders, then restarted on the same store. Every acknowledged write must be there, no batch
half-written, and the API must recover by itself (/readyz 200 again, queries answer).

While Neo4j is down the API should answer 503 (REST) or a coded GraphQL error; a 503 is
not counted as a failure here, any other 5xx or a masked error is.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import attack_common as common
import httpx
from neo4j import GraphDatabase

BATCH = 10_000  # the server's batch size for HTTP loads (services/bulk_load.py)


def _driver(catalog: common.Catalog) -> Any:
    return GraphDatabase.driver(catalog.neo4j_uri, auth=("neo4j", "neo4j-password"))


def _count(catalog: common.Catalog, prefix: str) -> int:
    try:
        with _driver(catalog) as driver:
            records, _, _ = driver.execute_query(
                "MATCH (p:Prediction) WHERE p.key STARTS WITH $prefix RETURN count(p) AS n",
                prefix=prefix,
            )
            return int(records[0]["n"])
    except Exception:
        return -1


def _keys(catalog: common.Catalog, prefix: str) -> set[str]:
    with _driver(catalog) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (p:Prediction) WHERE p.key STARTS WITH $prefix RETURN p.key AS k",
            prefix=prefix,
        )
    return {r["k"] for r in records}


def _arrow_predictions(prefix: str, rows: int) -> bytes:
    import pyarrow as pa

    start = datetime(2026, 11, 1, tzinfo=UTC)
    table = pa.table(
        {
            "key": [f"{prefix}{i:07d}" for i in range(rows)],
            "deployment": ["atk/atk-api"] * rows,
            "model_version": ["atk-model@1"] * rows,
            "time": pa.array(
                [start + timedelta(seconds=i) for i in range(rows)], pa.timestamp("us", tz="UTC")
            ),
            "output": [f"{i % 7}" for i in range(rows)],
        }
    )
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=BATCH)
    return sink.getvalue()


def wait_ready(catalog: common.Catalog, part: common.Part, timeout_s: float = 180.0) -> float:
    """Seconds until /readyz says 200 and a GraphQL query answers, without restarting the API."""
    started = time.monotonic()
    with httpx.Client(base_url=catalog.url, headers=catalog.headers("reader"), timeout=10) as c:
        while time.monotonic() - started < timeout_s:
            try:
                ready = c.get("/readyz")
                if ready.status_code == 200:
                    answer = c.post("/graphql", json={"query": "{ catalogStats { datasets } }"})
                    if answer.status_code == 200 and not answer.json().get("errors"):
                        return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    part.fail(
        "bad answer",
        "API did not recover after Neo4j restarted",
        request="GET /readyz; { catalogStats { datasets } }",
        response=f"not ready within {timeout_s:.0f}s",
        expected="/readyz 200 and queries answering, without restarting the API",
    )
    return timeout_s


def _restart(catalog: common.Catalog, part: common.Part, down_s: float) -> None:
    time.sleep(down_s)
    t0 = time.monotonic()
    catalog.holder.start_neo4j()
    part.note(f"Neo4j restarted on the same store in {time.monotonic() - t0:.1f}s")


def bulk(catalog: common.Catalog, args: argparse.Namespace) -> common.Part:
    part = common.Part("4a. Neo4j killed mid bulk load")
    started = time.monotonic()
    rows = 60_000 if args.quick else 200_000
    for attempt in range(2):
        prefix = f"atk-bulk{attempt}-{uuid.uuid4().hex[:6]}-"
        body = _arrow_predictions(prefix, rows)
        outcome: dict[str, Any] = {}

        def post(
            body: bytes = body, outcome: dict[str, Any] = outcome, prefix: str = prefix
        ) -> None:
            with catalog.client("writer", timeout=600) as client:
                outcome["answer"] = common.send(
                    client,
                    part,
                    catalog.log,
                    "POST",
                    "/api/v1/load/predictions",
                    label="bulk load during the kill",
                    content=body,
                    headers={
                        "Content-Type": "application/vnd.apache.arrow.stream",
                        "X-Request-ID": f"{prefix}load",
                    },
                    count_5xx=False,
                )

        sender = threading.Thread(target=post)
        sender.start()
        deadline = time.monotonic() + 300
        landed = 0
        while sender.is_alive() and time.monotonic() < deadline:
            landed = _count(catalog, prefix)
            if landed >= rows * 0.3:
                break
            time.sleep(0.2)
        if not sender.is_alive():
            sender.join()
            part.note(f"attempt {attempt + 1}: the load of {rows:,} rows ended before the kill")
            rows *= 3
            continue
        catalog.holder.kill_neo4j()
        part.note(f"killed Neo4j with {landed:,} of {rows:,} rows landed")
        sender.join(timeout=300)
        answer: common.Answer | None = outcome.get("answer")
        acknowledged = answer is not None and 200 <= answer.status < 300
        if answer is not None:
            part.note(f"the interrupted load answered HTTP {answer.status}: {answer.text[:200]}")
            if answer.status != 503 and not acknowledged:
                part.fail(
                    "bad answer",
                    f"bulk load interrupted by the database answers HTTP {answer.status}",
                    request="POST /api/v1/load/predictions while Neo4j is killed",
                    response=f"{answer.status} {answer.text[:300]}",
                    expected="503 with the reason (the database is unavailable; retry), as "
                    "OpenLineage and /readyz answer, never a 400 that blames the input",
                )
        _restart(catalog, part, 2.0)
        part.note(f"API ready again {wait_ready(catalog, part):.1f}s after Neo4j's restart")
        _check_batches(catalog, part, prefix, rows, acknowledged)
        # Run again: the load completes to the exact count.
        with catalog.client("writer", timeout=600) as client:
            again = common.send(
                client,
                part,
                catalog.log,
                "POST",
                "/api/v1/load/predictions",
                label="bulk load re-run",
                content=body,
                headers={"Content-Type": "application/vnd.apache.arrow.stream"},
            )
        present = len(_keys(catalog, prefix))
        if again.status != 200 or present != rows:
            part.fail(
                "lost write",
                "re-run of a killed load does not reach the exact count",
                request=f"POST /api/v1/load/predictions ({rows:,} rows) again",
                response=f"HTTP {again.status}; {present:,} rows present",
                expected=f"200 and exactly {rows:,} rows",
                weight=abs(rows - present) or 1,
            )
        break
    part.seconds = time.monotonic() - started
    return part


def _check_batches(
    catalog: common.Catalog, part: common.Part, prefix: str, rows: int, acknowledged: bool
) -> None:
    present = _keys(catalog, prefix)
    per_batch: Counter[int] = Counter(int(k[len(prefix) :]) // BATCH for k in present)
    batches = (rows + BATCH - 1) // BATCH
    whole = 0
    for batch in range(batches):
        size = min(BATCH, rows - batch * BATCH)
        got = per_batch.get(batch, 0)
        if got == size:
            whole += 1
        elif got:
            part.fail(
                "lost write",
                "half a batch after the crash",
                request=f"batch {batch} (rows {batch * BATCH + 1}-{batch * BATCH + size})",
                response=f"{got} of {size} rows present",
                expected="all rows of a batch or none (one transaction per batch)",
                weight=size - got,
            )
    part.note(f"after the restart: {len(present):,} rows present, {whole} whole batches")
    if acknowledged and len(present) != rows:
        part.fail(
            "lost write",
            "acknowledged load lost rows",
            request=f"POST /api/v1/load/predictions ({rows:,} rows) answered 2xx",
            response=f"{len(present):,} rows present after the restart",
            expected="every row of an acknowledged load",
            weight=rows - len(present),
        )


def _ol(run_id: str, event_type: str, sender: int, index: int) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    event: dict[str, Any] = {
        "eventType": event_type,
        "eventTime": now,
        "run": {"runId": run_id},
        "job": {"namespace": "atk-burst", "name": f"sender-{sender}"},
        "inputs": [{"namespace": "atk-burst", "name": "shared-source"}],
        "outputs": [],
        "producer": "https://attack.example/burst",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    if event_type == "COMPLETE":
        event["outputs"] = [{"namespace": "atk-burst", "name": f"out-{sender}-{index}"}]
    return event


async def _burst(
    catalog: common.Catalog, part: common.Part, stop: asyncio.Event, acked: list[tuple[str, str]]
) -> None:
    statuses: Counter[int] = Counter()

    async def sender(number: int) -> None:
        async with httpx.AsyncClient(
            base_url=catalog.url, headers=catalog.headers("writer"), timeout=60
        ) as client:
            index = 0
            while not stop.is_set():
                index += 1
                run_id = str(uuid.uuid4())
                for event_type in ("START", "COMPLETE"):
                    await _send_event(client, number, index, run_id, event_type)
                    if stop.is_set():
                        break

    async def _send_event(
        client: httpx.AsyncClient, number: int, index: int, run_id: str, event_type: str
    ) -> None:
        content = json.dumps(_ol(run_id, event_type, number, index)).encode()
        offset = catalog.log.offset()
        started = time.perf_counter()
        try:
            response = await client.post(
                "/api/v1/lineage", content=content, headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as e:
            part.count_request(0, None)
            part.fail(
                "bad answer",
                f"OpenLineage event: no answer ({type(e).__name__})",
                request="POST /api/v1/lineage",
                response=str(e)[:200],
                expected="an answer (503 while Neo4j is down)",
            )
            await asyncio.sleep(0.2)
            return
        elapsed = (time.perf_counter() - started) * 1000
        statuses[response.status_code] += 1
        common.judge(
            part,
            catalog.log,
            offset,
            "POST",
            "/api/v1/lineage",
            content,
            response,
            elapsed,
            "OpenLineage event during the crash",
            count_5xx=False,
        )
        if response.status_code == 201:
            acked.append((run_id, event_type))
        elif response.status_code >= 500:
            await asyncio.sleep(0.2)

    async def prober() -> None:
        async with httpx.AsyncClient(
            base_url=catalog.url, headers=catalog.headers("reader"), timeout=30
        ) as client:
            while not stop.is_set():
                offset = catalog.log.offset()
                started = time.perf_counter()
                content = json.dumps({"query": '{ dataset(key: "atk-canary") { key } }'})
                try:
                    response = await client.post(
                        "/graphql", content=content, headers={"Content-Type": "application/json"}
                    )
                    common.judge(
                        part,
                        catalog.log,
                        offset,
                        "POST",
                        "/graphql",
                        content.encode(),
                        response,
                        (time.perf_counter() - started) * 1000,
                        "GraphQL query during the crash",
                        count_5xx=False,
                    )
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)

    await asyncio.gather(*(sender(n) for n in range(4)), prober())
    part.note("OpenLineage answers: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))


async def _until(done: Any, timeout_s: float) -> None:
    for _ in range(int(timeout_s / 0.1)):
        if done():
            return
        await asyncio.sleep(0.1)


def burst(catalog: common.Catalog, args: argparse.Namespace) -> common.Part:
    part = common.Part("4b. Neo4j killed mid OpenLineage burst")
    acked: list[tuple[str, str]] = []
    before_kill = 20.0 if args.quick else 40.0  # at most; the kill comes after want_before
    want_before = 40 if args.quick else 200

    async def scenario() -> None:
        # Warm up: the first event of a kind compiles its Cypher statements (seconds here).
        async with httpx.AsyncClient(
            base_url=catalog.url, headers=catalog.headers("writer"), timeout=120
        ) as client:
            for event_type in ("START", "COMPLETE"):
                await client.post("/api/v1/lineage", json=_ol(str(uuid.uuid4()), event_type, 9, 0))
        stop = asyncio.Event()
        task = asyncio.create_task(_burst(catalog, part, stop, acked))
        t0 = time.monotonic()
        await _until(lambda: len(acked) >= want_before, before_kill)
        catalog.holder.kill_neo4j()
        part.note(
            f"killed Neo4j after {time.monotonic() - t0:.0f}s of burst, "
            f"{len(acked)} events acknowledged"
        )
        await asyncio.to_thread(_restart, catalog, part, 3.0)
        recovered = await asyncio.to_thread(wait_ready, catalog, part)
        part.note(f"API ready again {recovered:.1f}s after Neo4j's restart")
        after = len(acked)
        await _until(lambda: len(acked) >= after + want_before, before_kill)
        stop.set()
        await task

    started = time.monotonic()
    asyncio.run(scenario())
    _check_events(catalog, part, acked)
    part.seconds = time.monotonic() - started
    return part


def _check_events(catalog: common.Catalog, part: common.Part, acked: list[tuple[str, str]]) -> None:
    starts = sorted({r for r, t in acked if t == "START"})
    completes = sorted({r for r, t in acked if t == "COMPLETE"})
    with _driver(catalog) as driver:
        records, _, _ = driver.execute_query(
            "UNWIND $ids AS id OPTIONAL MATCH (r:Run {uid: 'Run:' + id}) "
            "OPTIONAL MATCH (r)-[:GENERATED]->(v) "
            "RETURN id, r IS NOT NULL AS present, r.status AS status, count(v) AS outputs",
            ids=sorted(set(starts) | set(completes)),
        )
    found = {r["id"]: r for r in records}
    for run_id in starts:
        if not found.get(run_id) or not found[run_id]["present"]:
            part.fail(
                "lost write",
                "acknowledged START missing after the restart",
                request=f"START of run {run_id} (answered 201)",
                response="no such Run",
                expected="every acknowledged event present",
            )
    for run_id in completes:
        record = found.get(run_id)
        if not record or record["status"] != "completed" or record["outputs"] < 1:
            part.fail(
                "lost write",
                "acknowledged COMPLETE missing after the restart",
                request=f"COMPLETE of run {run_id} (answered 201)",
                response=f"status {record and record['status']}, outputs "
                f"{record and record['outputs']}",
                expected="status completed and its output version",
            )
    part.note(f"{len(starts)} STARTs and {len(completes)} COMPLETEs acknowledged and checked")


def run(catalog: common.Catalog, args: argparse.Namespace) -> list[common.Part]:
    return [bulk(catalog, args), burst(catalog, args)]
