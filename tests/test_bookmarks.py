"""Read-your-writes with Neo4j bookmarks (issue 16, part 7; docs/scaling.md, "Reading your
writes"): a request that writes answers its bookmark in `extensions.bookmarks` and in the
`Neo4j-Bookmarks` header; a request may send bookmarks back (in the body's extensions or
the header), and each of its statements then runs after them. Checked against the one
Community instance: a bookmark Neo4j did not give is refused by Neo4j itself, which shows
that what a client sends reaches every session of the request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.app import create_app
from lineage_catalog.settings import Settings
from lineage_catalog_client import CatalogClient
from tests.governance_helpers import arrow_stream

DOCS = Path(__file__).parents[1] / "docs" / "scaling.md"
WRITE = "mutation($key: String!) { registerJob(input: {key: $key}) { key } }"
READ = "query($key: String!) { job(key: $key) { key } }"
FEATURE = "query($key: String!) { feature(key: $key) { key } }"
HEADER = "Neo4j-Bookmarks"


def _post(client: TestClient, query: str, bookmarks: Any = None, **variables: Any) -> Any:
    body: dict[str, Any] = {"query": query, "variables": variables}
    if bookmarks is not None:
        body["extensions"] = {"bookmarks": bookmarks}
    return client.post("/graphql", json=body)


@pytest.fixture
def second(
    settings: Settings, auth_headers: dict[str, str], clean_graph: Driver
) -> Iterator[TestClient]:
    """A second API instance on the same database (another process behind a balancer)."""
    with TestClient(create_app(settings), headers=auth_headers) as other:
        yield other


def test_a_write_answers_its_bookmark_and_a_read_answers_none(client: TestClient) -> None:
    wrote = _post(client, WRITE, key="b.one")
    bookmarks = wrote.json()["extensions"]["bookmarks"]
    assert isinstance(bookmarks, list) and len(bookmarks) == 1 and bookmarks[0], wrote.json()
    assert wrote.headers[HEADER] == bookmarks[0]
    # Each write moves it on; a read writes nothing and answers none.
    again = _post(client, WRITE, bookmarks, key="b.two").json()["extensions"]["bookmarks"]
    assert again != bookmarks
    read = _post(client, READ, again, key="b.two")
    assert read.json()["data"]["job"] == {"key": "b.two"}
    assert "bookmarks" not in read.json()["extensions"] and HEADER not in read.headers


def test_a_second_instance_reads_the_write_after_its_bookmark(
    client: TestClient, second: TestClient
) -> None:
    bookmarks = _post(client, WRITE, key="b.shared").json()["extensions"]["bookmarks"]
    by_body = _post(second, READ, bookmarks, key="b.shared").json()
    assert by_body["data"]["job"] == {"key": "b.shared"}, by_body
    by_header = second.post(
        "/graphql", json={"query": READ, "variables": {"key": "b.shared"}},
        headers={HEADER: ",".join(bookmarks)},
    )  # fmt: skip
    assert by_header.json()["data"]["job"] == {"key": "b.shared"}, by_header.text


def test_a_bookmark_neo4j_did_not_give_is_bad_input_and_nothing_is_written(
    client: TestClient, clean_graph: Driver
) -> None:
    # Well formed but not this database's: Neo4j refuses it when the session begins, for
    # a read and for a write alike, so the bookmark reached both kinds of session.
    for forged in (["FB:AAAA"], ["not-a-bookmark"]):
        read = _post(client, READ, forged, key="b.none").json()
        assert read["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "bookmarks"}
        write = _post(client, WRITE, forged, key="b.forged").json()
        assert write["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", write
        assert "bookmarks" not in write["extensions"]
    with clean_graph.session() as s:
        assert s.run("MATCH (n {key: 'b.forged'}) RETURN count(n) AS n").single()["n"] == 0


@pytest.mark.parametrize(
    ("bookmarks", "reason"),
    [
        ("FB:one", "a list of strings"),
        ([1], "a list of strings"),
        (["b"] * 17, "at most 16"),
        ([""], "printable ASCII"),
        (["x" * 513], "printable ASCII"),
        (["bad\nline"], "printable ASCII"),
    ],
)
def test_bookmarks_of_the_wrong_shape_are_refused_before_any_work(
    client: TestClient, bookmarks: Any, reason: str
) -> None:
    response = _post(client, WRITE, bookmarks, key="b.shape")
    assert response.status_code == 400 and reason in response.text, response.text
    assert "extensions.bookmarks" in response.text
    assert _post(client, READ, key="b.shape").json()["data"]["job"] is None


def test_a_rest_load_answers_its_bookmark_and_takes_one(client: TestClient) -> None:
    load = "/api/v1/load/features"
    response = client.post(load, content=arrow_stream([{"key": "b.rest", "name": "rest"}]))
    assert response.status_code == 200, response.text
    bookmark = response.headers[HEADER]
    read = _post(client, FEATURE, [bookmark], key="b.rest").json()
    assert read["data"]["feature"] == {"key": "b.rest"}, read
    # One given back in the header moves on with the next load.
    again = client.post(
        load, content=arrow_stream([{"key": "b.rest2"}]), headers={HEADER: bookmark}
    )
    assert again.status_code == 200 and again.headers[HEADER] != bookmark, again.text


def test_a_rest_header_of_the_wrong_shape_is_refused_and_nothing_is_loaded(
    client: TestClient,
) -> None:
    refused = client.post(
        "/api/v1/load/features", content=arrow_stream([{"key": "b.refused"}]),
        headers={HEADER: "ok, bad\x01one"},
    )  # fmt: skip
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["code"] == "BAD_USER_INPUT" and body["field"] == HEADER + ".1", body
    assert _post(client, FEATURE, key="b.refused").json()["data"]["feature"] is None


class _Alternating(httpx.BaseTransport):
    """Sends each request to the next of two API instances, as a balancer may."""

    seen: list[str | None] = []

    def __init__(self, *apps: TestClient) -> None:
        self.apps = apps
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        app = self.apps[self.sent % len(self.apps)]
        self.sent += 1
        _Alternating.seen.append(request.headers.get(HEADER))
        answer = app._transport.handle_request(request)
        answer.read()
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


def test_the_client_reads_its_own_writes_through_any_instance(
    client: TestClient, second: TestClient
) -> None:
    """The SDK keeps the last bookmark it was answered and sends it with every request."""
    token = client.headers["authorization"].removeprefix("Bearer ")
    sdk = CatalogClient(token=token, transport=_Alternating(client, second))
    sdk.execute(WRITE, {"key": "b.sdk"})
    assert sdk.execute(READ, {"key": "b.sdk"})["job"] == {"key": "b.sdk"}
    assert _Alternating.seen[-1] is not None  # the read carried the write's bookmark


def test_the_docs_example_runs(client: TestClient, second: TestClient) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)
    assert blocks, "docs/scaling.md has no python example"
    scope: dict[str, Any] = {}
    exec(blocks[0], scope)
    assert scope["read_your_write"](client, second, "b.docs") == {"key": "b.docs"}
