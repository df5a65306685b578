"""Part 2: hostile text, numbers, times and bodies. Each must be refused cleanly (a 4xx, or
a coded GraphQL error such as BAD_USER_INPUT) or round-trip exactly; never a 5xx, a masked
error or an answer that is not JSON. Look-alike identities (a key or email with a trailing
newline, a zero-width or bidi character, a control character, not in NFC) must be refused.
"""

from __future__ import annotations

import argparse
import io
import json
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import attack_common as common
import httpx

TEXTS: dict[str, str] = {
    "lone high surrogate": "atk \ud800 text",
    "lone low surrogate": "atk \udc00",
    "NUL": "atk\x00nul",
    "control characters": "atk\x01\x07\x08\x1b[31m\x7f",
    "RTL override": "atk \u202egnp.exe",
    "zero-width": "atk\u200b\u200c\u200d\ufeff",
    "trailing newline": "atk text\n",
    "CRLF": "atk\r\nline",
    "Cypher fragment": "x'}) MATCH (n) DETACH DELETE n //",
    "Cypher backtick": "`) RETURN 1 UNION MATCH (n) RETURN n //",
    "Lucene syntax": 'loans* OR name:"x" AND ~ ^2 [a TO z] \\ /re/',
    "combining characters": "e\u0301\u0301\u0301",
    "astral emoji": "atk \U0001f600 \U0010ffff",
    "100k characters": "a" * 100_000,
    "1M characters": "b" * 1_000_000,
}
LOOKALIKE_KEYS: dict[str, str] = {
    "trailing newline": "atk-nl\n",
    "zero-width": "atk\u200bzw",
    "RTL override": "atk\u202ertl",
    "NUL": "atk\x00nul",
    "tab": "atk\ttab",
    "not NFC": "atk-e\u0301",
    "fullwidth": "\uff41tk-fullwidth",
}
OTHER_KEYS: dict[str, str] = {
    "lone surrogate": "atk\ud800",
    "300 characters": "atk-" + "k" * 300,
    "Cypher fragment": "atk')-[r]-() DELETE r //",
    "leading space": " atk-lead",
    "empty": "",
}
LOOKALIKE_EMAILS: dict[str, str] = {
    "trailing newline": "ada@acme.example\n",
    "zero-width": "ada\u200b@acme.example",
    "NUL": "ada@acme.example\x00",
    "not NFC": "e\u0301@acme.example",
    "CR": "ada@acme.example\r",
}
TIMES: dict[str, str] = {
    "year 1 at +14:00": "0001-01-01T00:00:00+14:00",
    "year 9999 at -14:00": "9999-12-31T23:59:59-14:00",
    "year 1 UTC": "0001-01-01T00:00:00Z",
    "year 9999 UTC end": "9999-12-31T23:59:59.999999Z",
    "offset-less": "2026-12-01T03:49:33",
    "Feb 30": "2026-02-30T00:00:00Z",
    "leap second": "2026-12-31T23:59:60Z",
    "year 10000": "10000-01-01T00:00:00Z",
    "offset +25:00": "2026-01-01T00:00:00+25:00",
    "13 fraction digits": "2026-01-01T00:00:00.1234567890123Z",
    "empty": "",
    "garbage": "yesterday",
}


class Hostile:
    """The client, part and a counter for fresh keys."""

    def __init__(self, catalog: common.Catalog, part: common.Part) -> None:
        self.catalog = catalog
        self.part = part
        self.client = catalog.client("admin", timeout=120)
        self.n = 0

    def key(self, stem: str) -> str:
        self.n += 1
        return f"atk-h{self.n}-{stem}"

    def gql(self, query: str, variables: dict[str, Any] | None, label: str) -> common.Answer:
        return common.graphql(
            self.client, self.part, self.catalog.log, query, variables, label=label
        )

    def raw(
        self, path: str, content: bytes, label: str, content_type: str = "application/json"
    ) -> common.Answer:
        return common.send(
            self.client,
            self.part,
            self.catalog.log,
            "POST",
            path,
            label=label,
            content=content,
            headers={"Content-Type": content_type},
        )

    def expect(self, ok: bool, label: str, request: Any, response: Any, expected: str) -> None:
        if not ok:
            self.part.fail(
                "bad answer", label, request=request, response=response, expected=expected
            )


def _accepted(answer: common.Answer, field: str) -> bool:
    data = answer.data
    return (
        answer.status == 200
        and not answer.errors
        and isinstance(data, dict)
        and bool(data.get(field))
    )


def texts(h: Hostile) -> None:
    """Descriptions, names and tags: refused or stored exactly."""
    mutation = (
        "mutation($i: DatasetInput!) { registerDataset(input: $i) { key name description tags } }"
    )
    read = "query($k: String!) { dataset(key: $k) { name description tags } }"
    for name, text in TEXTS.items():
        key = h.key("text")
        variables = {
            "i": {"key": key, "name": text[:5000], "description": text, "tags": [text[:200]]}
        }
        label = f"registerDataset text: {name}"
        answer = h.gql(mutation, variables, label)
        if _accepted(answer, "registerDataset"):
            back = h.gql(read, {"k": key}, f"dataset read: {name}")
            got = (back.data or {}).get("dataset") or {}
            same = (
                got.get("description") == text
                and got.get("name") == text[:5000]
                and got.get("tags") == [text[:200]]
            )
            h.expect(
                same,
                f"registerDataset text does not round-trip: {name}",
                common.clip(variables, 200),
                common.clip(got, 200),
                "the exact text back, or a refusal",
            )
        elif not answer.refused():
            h.expect(
                False,
                f"registerDataset text: {name}: neither stored nor refused",
                common.clip(variables, 200),
                answer.text[:300],
                "stored or refused",
            )
    # The same texts where the issue saw masked errors: a feature's tags, a run's parameters.
    for name in ("lone high surrogate", "NUL", "Cypher fragment"):
        text = TEXTS[name]
        h.gql(
            "mutation($i: FeatureInput!) { registerFeature(input: $i) { key tags } }",
            {"i": {"key": h.key("feat"), "tags": [text], "description": text}},
            f"registerFeature tags: {name}",
        )
        h.gql(
            "mutation($i: NamedInput!) { registerJob(input: $i) { key } }",
            {"i": {"key": h.key("job"), "description": text}},
            f"registerJob description: {name}",
        )
        h.gql(
            "query($t: String!) { search(text: $t) { score node { id } } }",
            {"t": text},
            f"search text: {name}",
        )


def keys_and_emails(h: Hostile) -> None:
    """Keys and emails: look-alikes refused; other odd keys refused or stored exactly."""
    mutation = "mutation($i: DatasetInput!) { registerDataset(input: $i) { key } }"
    for name, key in {**LOOKALIKE_KEYS, **OTHER_KEYS}.items():
        label = f"registerDataset key: {name}"
        answer = h.gql(mutation, {"i": {"key": key}}, label)
        accepted = _accepted(answer, "registerDataset")
        stored = ((answer.data or {}).get("registerDataset") or {}).get("key")
        if accepted and stored == unicodedata.normalize("NFKC", key) != key:
            pass  # normalised on the way in: one identity, not a look-alike
        elif accepted and name in LOOKALIKE_KEYS:
            h.part.fail(
                "bad answer",
                f"look-alike key accepted: {name}",
                request=f"registerDataset(input: {{key: {key!r}}})",
                response=answer.text[:300],
                expected="BAD_USER_INPUT: a key that prints like another is refused",
            )
        elif accepted:
            back = h.gql(
                "query($k: String!) { dataset(key: $k) { key } }",
                {"k": key},
                f"dataset read key: {name}",
            )
            got = ((back.data or {}).get("dataset") or {}).get("key")
            h.expect(
                got == key,
                f"key does not round-trip: {name}",
                repr(key),
                repr(got),
                "the key back exactly",
            )
        elif not answer.refused():
            h.expect(
                False,
                f"{label}: neither stored nor refused",
                repr(key),
                answer.text[:300],
                "stored or refused",
            )
        # the same key through OpenLineage: a job name
        event = _ol_event(job=key if key else "x", namespace="atk-hostile")
        ol = h.raw("/api/v1/lineage", json.dumps(event).encode(), f"OpenLineage job name: {name}")
        if ol.status == 201 and name in LOOKALIKE_KEYS:
            # The key is percent-quoted (docs/openlineage.md), so it prints apart from the
            # plain one: not a look-alike identity, but the name keeps the raw text.
            job = (ol.body or {}).get("job", "") if isinstance(ol.body, dict) else ""
            h.part.note(f"OpenLineage job name {name} accepted as key {job!r}")
    for name, email in LOOKALIKE_EMAILS.items():
        answer = h.gql(
            "mutation($i: PersonInput!) { registerPerson(input: $i) { key } }",
            {"i": {"email": email}},
            f"registerPerson email: {name}",
        )
        stored = ((answer.data or {}).get("registerPerson") or {}).get("key")
        normalised = stored == unicodedata.normalize("NFC", email) != email
        if _accepted(answer, "registerPerson") and not normalised:
            h.part.fail(
                "bad answer",
                f"look-alike email accepted: {name}",
                request=f"registerPerson(input: {{email: {email!r}}})",
                response=answer.text[:300],
                expected="BAD_USER_INPUT: an email that prints like another is refused",
            )
        h.gql(
            "mutation($i: AccountInput!, $r: String!) { createAccount(input: $i, reason: $r) "
            "{ id } }",
            {"i": {"id": f"Person:{email}", "roles": ["READER"]}, "r": "atk"},
            f"createAccount id: {name}",
        )


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _same_instant(sent: str, got: str | None) -> bool:
    a, b = _instant(sent), _instant(got)
    return a is not None and b is not None and a == b


def times(h: Hostile) -> None:
    """Every DateTime argument and input: refused or the same instant back."""
    owner = "Person:atk-owner@attack.example"
    selections = [
        ("ownedBy", f'ownedBy(owner: "{owner}", asOf: $t) {{ role }}'),
        ("dataset.owners", 'dataset(key: "atk-canary") { owners(asOf: $t) { role } }'),
        (
            "datasetVersion.owners",
            'datasetVersion(key: "atk-canary@v1") { owners(asOf: $t) { role inherited } }',
        ),
        ("impact", 'impact(datasetVersion: "atk-source@v1", asOf: $t) { predictionCount }'),
        ("unowned", "unowned(asOf: $t, first: 5) { totalCount }"),
        ("deployment.serving", 'deployment(key: "atk/atk-api") { serving(asOf: $t) { role } }'),
        ("productionView+serving", "productionView { key serving(asOf: $t) { role } }"),
        ("lineage", 'lineage(id: "ModelVersion:atk-model@1", asOf: $t) { totalNodes }'),
        (
            "classificationsUpstream",
            'classificationsUpstream(id: "ModelVersion:atk-model@1", asOf: $t) { classification }',
        ),
        ("auditTrail.since", "auditTrail(since: $t, first: 3) { totalCount }"),
        ("auditTrail.until", "auditTrail(until: $t, first: 3) { totalCount }"),
        ("explore", 'explore(id: "ModelVersion:atk-model@1", asOf: $t) { __typename }'),
    ]
    reads = [(label, f"query($t: DateTime) {{ {sel} }}") for label, sel in selections]
    for name, value in TIMES.items():
        for label, query in reads:
            h.gql(query, {"t": value}, f"{label}(asOf: {name})")
        _time_writes(h, name, value)


def _time_writes(h: Hostile, name: str, value: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    run_id = h.key("run")
    h.gql(
        "mutation($i: NamedInput!) { registerJob(input: $i) { key } }",
        {"i": {"key": "atk-hjob"}},
        "registerJob",
    )
    writes: list[tuple[str, str, dict[str, Any], str | None, str]] = [
        (
            "recordRun.startedAt",
            "mutation($i: RunInput!) { recordRun(input: $i) { startedAt } }",
            {"i": {"runId": run_id, "job": "atk-hjob", "runKind": "OTHER", "startedAt": value}},
            "recordRun",
            "startedAt",
        ),
        (
            "recordRun naive start, aware end",
            "mutation($i: RunInput!) { recordRun(input: $i) { startedAt endedAt } }",
            {
                "i": {
                    "runId": h.key("run"),
                    "job": "atk-hjob",
                    "runKind": "OTHER",
                    "startedAt": value,
                    "endedAt": "2030-01-01T00:00:00+00:00",
                }
            },
            "recordRun",
            "startedAt",
        ),
        (
            "registerDatasetVersion.createdAt",
            "mutation($i: DatasetVersionInput!) { registerDatasetVersion(input: $i) "
            "{ createdAt } }",
            {"i": {"dataset": "atk-source", "version": h.key("v"), "createdAt": value}},
            "registerDatasetVersion",
            "createdAt",
        ),
        (
            "registerCodeCommit.authoredAt",
            "mutation($i: CodeCommitInput!) { registerCodeCommit(input: $i) { authoredAt } }",
            {
                "i": {
                    "repo": "https://git.attack.example/h",
                    "sha": uuid.uuid4().hex[:12],
                    "authoredAt": value,
                }
            },
            "registerCodeCommit",
            "authoredAt",
        ),
        (
            "recordPrediction.time",
            "mutation($i: PredictionInput!) { recordPrediction(input: $i) { time } }",
            {
                "i": {
                    "key": h.key("pred"),
                    "deployment": "atk/atk-api",
                    "modelVersion": "atk-model@1",
                    "time": value,
                }
            },
            "recordPrediction",
            "time",
        ),
        (
            "recordEvaluation.createdAt",
            "mutation($i: EvaluationInput!) { recordEvaluation(input: $i) { createdAt } }",
            {
                "i": {
                    "key": h.key("eval"),
                    "modelVersion": "atk-model@1",
                    "metrics": {"auc": 0.5},
                    "createdAt": value,
                }
            },
            "recordEvaluation",
            "createdAt",
        ),
        (
            "setOwner.validFrom",
            'mutation($i: OwnershipInput!) { setOwner(input: $i, reason: "atk") { id } }',
            {
                "i": {
                    "owner": "Team:atk-team",
                    "target": "Dataset:atk-source",
                    "role": "STEWARD",
                    "validFrom": value,
                }
            },
            "setOwner",
            None,
        ),
        (
            "issueToken.expiresAt",
            'mutation($t: DateTime) { issueToken(account: "ServiceAccount:attack-writer", '
            'name: "atk-h", expiresAt: $t) { tokenId } }',
            {"t": value},
            "issueToken",
            None,
        ),
    ]
    for label, query, variables, field, read_field in writes:
        answer = h.gql(query, variables, f"{label} = {name}")
        if read_field and _accepted(answer, field):
            got = (answer.data or {}).get(field, {}).get(read_field)
            if not _same_instant(value, got):
                h.part.fail(
                    "bad answer",
                    f"{label}: {name} not the same instant back",
                    request=f"{read_field}: {value}",
                    response=repr(got),
                    expected="the same instant (offset-less = UTC), or a refusal",
                )
    # Serving that starts at a time without an offset must be seen by `serving(asOf:)`.
    if name == "offset-less":
        dep = h.key("dep")
        h.gql(
            "mutation($i: DeploymentInput!) { registerDeployment(input: $i) { key } }",
            {"i": {"name": dep, "environment": "atk"}},
            "registerDeployment",
        )
        start = (now - timedelta(hours=2)).replace(tzinfo=None).isoformat()
        answer = h.gql(
            "mutation($i: ServingInput!) { recordServing(input: $i) { key } }",
            {
                "i": {
                    "deployment": f"atk/{dep}",
                    "modelVersion": "atk-model@1",
                    "role": "CHALLENGER",
                    "trafficShare": 0.1,
                    "validFrom": start,
                }
            },
            "recordServing validFrom offset-less",
        )
        if _accepted(answer, "recordServing"):
            back = h.gql(
                "query($k: String!) { deployment(key: $k) { serving { role } history: "
                "servingHistory { validFrom } } }",
                {"k": f"atk/{dep}"},
                "deployment serving after offset-less validFrom",
            )
            got = (back.data or {}).get("deployment") or {}
            h.expect(
                bool(got.get("serving")),
                "recordServing(validFrom offset-less) not in `serving` now",
                f"validFrom: {start!r} (2 h ago, no offset)",
                common.clip(got, 300),
                "serving now (the time read as UTC), or a refusal",
            )


def numbers(h: Hostile) -> None:
    """Non-finite and huge numbers: refused, or answers that are still JSON."""
    for literal in ("Infinity", "-Infinity", "NaN", "1e999"):
        body = (
            '{"query": "mutation($i: ModelVersionInput!) { registerModelVersion(input: $i) '
            '{ key metrics } }", "variables": {"i": {"model": "atk-model", "version": "h-'
            + literal.strip("-").lower()
            + '", "metrics": {"auc": '
            + literal
            + "}}}}"
        )
        h.raw("/graphql", body.encode(), f"metrics {literal} (JSON variables)")
        h.gql(
            'mutation { registerModelVersion(input: {model: "atk-model", version: '
            f'"h-lit-{literal.strip("-").lower()}", metrics: {{auc: {literal}}}}}) '
            "{ key metrics } }",
            None,
            f"metrics {literal} (GraphQL literal)",
        )
        body = (
            '{"query": "mutation($s: Float!) { recordServing(input: {deployment: \\"atk/atk-api\\",'
            ' modelVersion: \\"atk-model@1\\", role: SHADOW, trafficShare: $s, validFrom: '
            '\\"2026-01-01T00:00:00Z\\", validTo: \\"2026-01-02T00:00:00Z\\"}) { key } }", '
            '"variables": {"s": ' + literal + "}}"
        )
        h.raw("/graphql", body.encode(), f"trafficShare {literal}")
        body = (
            '{"query": "mutation($t: Float!) { setModelKpis(model: \\"atk-model\\", kpis: '
            '[{metric: \\"auc\\", threshold: $t}], reason: \\"atk\\") { threshold } }", '
            '"variables": {"t": ' + literal + "}}"
        )
        h.raw("/graphql", body.encode(), f"KPI threshold {literal}")
    h.gql(
        '{ modelVersion(key: "atk-model@h-infinity") { metrics } }',
        None,
        "read back metrics Infinity",
    )
    h.gql(
        '{ modelVersion(key: "atk-model@h-lit-infinity") { metrics } }',
        None,
        "read back metrics literal Infinity",
    )
    h.gql(
        '{ modelCard(modelVersion: "atk-model@1") { kpis { threshold value met } } }',
        None,
        "read back KPIs",
    )
    for value in (2**31, 2**63, -(2**63) - 1, 10**30):
        h.gql(
            "query($n: Int) { nodes(kind: DATASET, first: $n) { totalCount } }",
            {"n": value},
            f"Int {value}",
        )
    h.gql(
        "mutation($i: DatasetVersionInput!) { registerDatasetVersion(input: $i) { rowCount } }",
        {"i": {"dataset": "atk-source", "version": h.key("rows"), "rowCount": 2**31}},
        "rowCount 2^31",
    )
    h.gql(
        "mutation($i: ModelVersionInput!) { registerModelVersion(input: $i) { metrics } }",
        {"i": {"model": "atk-model", "version": h.key("big"), "metrics": {"n": 2**70}}},
        "metrics 2^70",
    )


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def bodies(h: Hostile) -> None:
    """Bodies that are too deep, too big, not UTF-8 or not GraphQL."""
    query = (
        'mutation($v: JSON) { registerDatasetVersion(input: {dataset: "atk-source", '
        'version: "h-deep", sample: $v}) { key } }'
    )
    cases: list[tuple[str, str, bytes, str]] = [
        ("/graphql", "JSON body nested 5,000 deep", _deep(5000).encode(), "application/json"),
        (
            "/graphql",
            "JSON body object nested 5,000 deep",
            ('{"a":' * 5000 + "1" + "}" * 5000).encode(),
            "application/json",
        ),
        (
            "/graphql",
            "variable nested 3,000 deep",
            json.dumps({"query": query, "variables": {"v": "__DEEP__"}})
            .replace('"__DEEP__"', _deep(3000))
            .encode(),
            "application/json",
        ),
        (
            "/graphql",
            "variable nested 5,000 deep",
            json.dumps({"query": query, "variables": {"v": "__DEEP__"}})
            .replace('"__DEEP__"', _deep(5000))
            .encode(),
            "application/json",
        ),
        (
            "/graphql",
            "variable nested 200 deep (allowed?)",
            json.dumps({"query": query, "variables": {"v": "__DEEP__"}})
            .replace('"__DEEP__"', '[{"a":' * 100 + "1" + "}]" * 100)
            .encode(),
            "application/json",
        ),
        (
            "/graphql",
            "query text nested 5,000 deep",
            json.dumps({"query": "{" + "a{" * 5000 + "b" + "}" * 5001}).encode(),
            "application/json",
        ),
        (
            "/graphql",
            "query text: 5,000 nested lists in an argument",
            json.dumps({"query": "{ search(text: " + _deep(5000) + ") { score } }"}).encode(),
            "application/json",
        ),
        (
            "/graphql",
            "invalid UTF-8 after the JSON",
            b'{"query": "{ __typename }"}\xff\xfe',
            "application/json",
        ),
        (
            "/graphql",
            "invalid UTF-8 inside a string",
            b'{"query": "{ __typename } #\xff"}',
            "application/json",
        ),
        (
            "/graphql",
            "lone surrogate escape in the query text",
            b'{"query": "{ search(text: \\"\\ud800\\") { score } }"}',
            "application/json",
        ),
        (
            "/graphql",
            "NUL in the query text",
            b'{"query": "{ __typename \\u0000 }"}',
            "application/json",
        ),
        ("/graphql", "empty body", b"", "application/json"),
        ("/graphql", "null body", b"null", "application/json"),
        ("/graphql", "batch of queries", b'[{"query": "{ __typename }"}]', "application/json"),
        ("/graphql", "query not a string", b'{"query": 123}', "application/json"),
        (
            "/graphql",
            "variables a list",
            b'{"query": "{ __typename }", "variables": [1]}',
            "application/json",
        ),
        (
            "/graphql",
            "operationName unknown",
            b'{"query": "query A { __typename }", "operationName": "B"}',
            "application/json",
        ),
        (
            "/graphql",
            "form content type",
            b"query=%7B__typename%7D",
            "application/x-www-form-urlencoded",
        ),
        ("/graphql", "multipart junk", b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
        ("/graphql", "text/plain", b"{ __typename }", "text/plain"),
        (
            "/graphql",
            "5,000 aliases",
            json.dumps(
                {"query": "{" + " ".join(f"a{i}: __typename" for i in range(5000)) + "}"}
            ).encode(),
            "application/json",
        ),
        (
            "/graphql",
            "20 MB of whitespace",
            b'{"query": "{ __typename }"' + b" " * 20_000_000 + b"}",
            "application/json",
        ),
        (
            "/api/v1/lineage",
            "OpenLineage body nested 5,000 deep",
            _deep(5000).encode(),
            "application/json",
        ),
        (
            "/api/v1/lineage",
            "OpenLineage invalid UTF-8 after the JSON",
            json.dumps(_ol_event()).encode() + b"\xff",
            "application/json",
        ),
        (
            "/api/v1/lineage",
            "OpenLineage Infinity in a facet",
            json.dumps(_ol_event()).replace('"atk-facet-value"', "Infinity").encode(),
            "application/json",
        ),
        (
            "/api/v1/lineage",
            "OpenLineage lone surrogate in the job name",
            json.dumps(_ol_event(job="atk-\ud800")).encode(),
            "application/json",
        ),
        (
            "/api/v1/lineage",
            "OpenLineage 20 MB body",
            json.dumps(_ol_event(description="x" * 20_000_000)).encode(),
            "application/json",
        ),
        (
            "/api/v1/load/predictions",
            "bulk body of junk bytes",
            b"\x00\xff" * 1000,
            "application/octet-stream",
        ),
        ("/api/v1/load/predictions", "bulk empty body", b"", "application/octet-stream"),
        (
            "/api/v1/load/edges",
            "bulk body Arrow magic then junk",
            b"ARROW1\x00\x00" + b"\xff" * 64,
            "application/octet-stream",
        ),
    ]
    for path, label, content, content_type in cases:
        answer = h.raw(path, content, label, content_type)
        if (
            200 <= answer.status < 300
            and not answer.errors
            and "nested" in label
            and "200" not in label
        ):
            h.part.fail(
                "bad answer",
                f"{label}: accepted",
                request=f"POST {path} ({label})",
                response=answer.text[:300],
                expected="400 or BAD_USER_INPUT: nesting deeper than the limit",
            )
    for name, value in TIMES.items():
        event = _ol_event(event_time=value)
        answer = h.raw(
            "/api/v1/lineage", json.dumps(event).encode(), f"OpenLineage eventTime {name}"
        )
        if answer.status == 201 and name in ("Feb 30", "year 10000", "garbage", "empty"):
            h.part.fail(
                "bad answer",
                f"OpenLineage eventTime {name} accepted",
                request=f"eventTime: {value!r}",
                response=answer.text[:300],
                expected="400 naming eventTime",
            )
    for name, text in TEXTS.items():
        if "characters" in name and "M" in name:
            continue
        event = _ol_event(description=text)
        h.raw("/api/v1/lineage", json.dumps(event).encode(), f"OpenLineage documentation: {name}")
    _arrow_rows(h)
    gets = [
        "/api/v1/reports/compliance/%00",
        "/api/v1/reports/compliance/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/reports/compliance/" + "a" * 5000 + "@1",
        "/api/v1/reports/compliance/%ED%A0%80@1",
        "/api/v1/reports/compliance/%FF%FE@1",
        "/api/v1/reports/compliance/atk-model@1?format=%00",
        "/api/v1/reports/compliance/atk-model@1?format=pdf",
        "/graphql?query=%7B__typename%7D%FF",
        "/graphql?query=mutation%7BregisterTeam(input:%7Bkey:%22atk-get%22%7D)%7Bkey%7D%7D",
        "/graphql?query=" + "%7B" * 5000,
    ]
    for path in gets:
        common.send(h.client, h.part, h.catalog.log, "GET", path, label=f"GET {path[:60]}")
    for name, value in {
        "long token": "Bearer lcat_" + "a" * 10_000,
        "latin-1 token": "Bearer lcat_\xe9\xe9",
        "basic auth": "Basic YTpi",
        "no scheme": "lcat_x",
        "two spaces": "Bearer  lcat_x",
    }.items():
        headers = {"Authorization": value}
        try:
            with httpx.Client(base_url=h.catalog.url, timeout=30) as bare:
                common.send(
                    bare,
                    h.part,
                    h.catalog.log,
                    "POST",
                    "/graphql",
                    label=f"Authorization {name}",
                    json_body={"query": "{ catalogStats { datasets } }"},
                    headers=headers,
                )
        except UnicodeEncodeError:
            pass


def _arrow_rows(h: Hostile) -> None:
    import pyarrow as pa

    def post(kind: str, table: pa.Table, label: str) -> common.Answer:
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return h.raw(f"/api/v1/load/{kind}", sink.getvalue(), label, "application/octet-stream")

    post(
        "features",
        pa.table(
            {
                "key": ["atk-arrow-nul\x00", "atk-arrow-nl\n", "atk-arrow-ok"],
                "description": ["\x00", "\u202e", "x" * 100_000],
            }
        ),
        "bulk features: NUL, newline and RTL",
    )
    post(
        "predictions",
        pa.table(
            {
                "key": ["atk-arrow-p1", "atk-arrow-p2", "atk-arrow-p3"],
                "deployment": ["atk/atk-api"] * 3,
                "model_version": ["atk-model@1"] * 3,
                "time": pa.array(
                    [
                        datetime(1, 1, 1, tzinfo=UTC),
                        datetime(9999, 12, 31, tzinfo=UTC),
                        datetime(2026, 1, 1, tzinfo=UTC),
                    ],
                    pa.timestamp("us", tz="UTC"),
                ),
            }
        ),
        "bulk predictions: years 1 and 9999",
    )
    post(
        "predictions",
        pa.table(
            {
                "key": ["atk-arrow-p4"],
                "deployment": ["atk/atk-api"],
                "model_version": ["atk-model@1"],
                "time": ["0001-01-01T00:00:00+14:00"],
            }
        ),
        "bulk predictions: year 1 at +14:00 as text",
    )
    post(
        "dataset_versions",
        pa.table({"dataset": ["atk-source"], "version": ["arrow-deep"], "schema": [_deep(3000)]}),
        "bulk dataset_versions: schema JSON nested 3,000 deep",
    )
    post(
        "runs",
        pa.table(
            {"run_id": ["atk-arrow-run"], "job": ["atk-hjob"], "parameters": ['{"x": Infinity}']}
        ),
        "bulk runs: Infinity in parameters",
    )


def _ol_event(
    *,
    job: str = "atk-ol-job",
    namespace: str = "atk",
    event_time: str | None = None,
    description: str = "atk",
) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": event_time
        if event_time is not None
        else datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "run": {"runId": str(uuid.uuid4())},
        "job": {
            "namespace": namespace,
            "name": job,
            "facets": {
                "documentation": {"_producer": "atk", "_schemaURL": "x", "description": description}
            },
        },
        "inputs": [],
        "outputs": [
            {
                "namespace": "atk",
                "name": "atk-ol-out",
                "facets": {
                    "custom": {"_producer": "atk", "_schemaURL": "x", "v": "atk-facet-value"}
                },
            }
        ],
        "producer": "https://attack.example/atk",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def nfc_note(part: common.Part) -> None:
    if unicodedata.normalize("NFC", "e\u0301") == "e\u0301":
        part.note("python's NFC tables look odd")


def run(catalog: common.Catalog, args: argparse.Namespace) -> list[common.Part]:
    part = common.Part("2. hostile text", keep_cases=True)
    h = Hostile(catalog, part)
    try:
        for step in (texts, keys_and_emails, times, numbers, bodies):
            step(h)
    finally:
        h.client.close()
    nfc_note(part)
    part.outcome_note()
    return [part]
