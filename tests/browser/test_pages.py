"""GraphiQL and the lineage explorer in a real headless Chromium, against the real API and
Neo4j, with the network limited to 127.0.0.1 (see conftest.py)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.browser.conftest import Guarded, Server

if TYPE_CHECKING:
    from playwright.sync_api import Route

pytestmark = pytest.mark.browser
TIMEOUT_MS = 20_000


def api(server: Server, query: str, token: str | None = None, **variables: Any) -> Any:
    """The API's own answer, to know what the page must show."""
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token or server.token}"},
        timeout=30,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def sign_in(g: Guarded, server: Server, path: str) -> None:
    g.page.goto(f"{server.url}{path}")
    g.page.wait_for_selector("#auth:not([hidden])")
    g.page.fill("#token", server.token)
    g.page.click("#auth-form button[type=submit]")


def wait_until(g: Guarded, expression: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Poll a JavaScript expression until it is true. Not page.wait_for_function: that
    evaluates a string in the page, which the pages' Content-Security-Policy forbids."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not g.page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def gestures(g: Guarded) -> int:
    return int(g.page.evaluate("Number(document.body.dataset.gestures || 0)"))


def wait_ready(g: Guarded, after: int) -> None:
    """Wait until the page has finished one more gesture than `after`."""
    wait_until(
        g,
        f"document.body.dataset.state === 'ready' && Number(document.body.dataset.gestures) > {after}",
    )


def node_ids(g: Guarded) -> list[str]:
    return list(
        g.page.eval_on_selector_all("#nodelist-items > li", "els => els.map(e => e.dataset.id)")
    )


def node_text(g: Guarded, uid: str) -> str:
    return str(g.page.inner_text(f'#nodelist-items > li[data-id="{uid}"]'))


def test_graphiql_renders_and_runs_the_trace_with_a_token(
    guarded: Guarded, browser_server: Server
) -> None:
    page = guarded.page
    expected = api(
        browser_server,
        '{ predictionTrace(key: "pred-00000042") { deployment { key } trainingRun { key } } }',
    )
    page.goto(f"{browser_server.url}/graphql")
    page.wait_for_selector(".graphiql-container")
    assert "predictionTrace" in page.inner_text(".graphiql-query-editor")
    headers = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    assert "Authorization" in headers.inner_text() and "Bearer" in headers.inner_text()
    headers.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {browser_server.token}"}))
    page.click(".graphiql-execute-button")
    wait_until(
        guarded,
        "document.querySelector('.result-window') && document.querySelector('.result-window').innerText.includes('trainingRun')",
    )
    result = page.inner_text(".result-window")
    assert expected["predictionTrace"]["deployment"]["key"] in result
    assert expected["predictionTrace"]["trainingRun"]["key"] in result
    assert '"errors"' not in result


def test_explorer_without_a_token_says_so(guarded: Guarded, browser_server: Server) -> None:
    page = guarded.page
    page.goto(f"{browser_server.url}/explore?id=ModelVersion:credit-risk@2")
    page.wait_for_selector("#auth:not([hidden])")
    assert "needs an API token" in page.inner_text("#auth-message")
    assert page.evaluate("document.body.dataset.state") == "auth"
    page.fill("#token", "lcat_not-a-real-token")
    page.click("#auth-form button[type=submit]")
    wait_until(guarded, "document.getElementById('auth-message').innerText.includes('refused')")
    assert "not valid" in page.inner_text("#auth-message")


def test_explorer_explains_an_under_privileged_token(
    guarded: Guarded, browser_server: Server
) -> None:
    account = "ServiceAccount:no-roles-browser-test"
    api(
        browser_server,
        'mutation($id: ID!) { createAccount(input: {id: $id, roles: []}, reason: "browser test") { id } }',
        id=account,
    )
    issued = api(
        browser_server,
        'mutation($a: ID!) { issueToken(account: $a, name: "browser", reason: "browser test") { token } }',
        a=account,
    )["issueToken"]["token"]
    page = guarded.page
    page.goto(f"{browser_server.url}/explore?id=ModelVersion:credit-risk@2")
    page.wait_for_selector("#auth:not([hidden])")
    page.fill("#token", issued)
    page.click("#auth-form button[type=submit]")
    wait_until(
        guarded, "document.getElementById('auth-message').innerText.includes('may not read')"
    )
    assert "reader" in page.inner_text("#auth-message")


def test_explorer_searches_opens_a_prediction_and_expands_upstream(
    guarded: Guarded, browser_server: Server
) -> None:
    page = guarded.page
    trace = api(
        browser_server,
        '{ predictionTrace(key: "pred-00000042") { modelVersion { id } trainingRun { id used { id } } } }',
    )["predictionTrace"]
    sign_in(guarded, browser_server, "/explore")
    # Search: the full-text search lists datasets, models, ...
    page.fill("#q", "credit")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results button.hit")
    assert "Model:credit-risk" in page.eval_on_selector_all(
        "#results button.hit", "els => els.map(e => e.dataset.id)"
    )
    # A prediction id: "why did the model say this?"
    before = gestures(guarded)
    page.fill("#q", "pred-00000042")
    page.click("#search-form button[type=submit]")
    wait_ready(guarded, before)
    assert "id=Prediction%3Apred-00000042" in page.url or "id=Prediction:pred-00000042" in page.url
    shown = node_ids(guarded)
    model_version = trace["modelVersion"]["id"]
    assert model_version in shown
    # Two hops upstream, one expansion each: the training run, then what it used.
    before = gestures(guarded)
    page.click(
        f'#nodelist-items > li[data-id="{model_version}"] button.expand[data-direction=UPSTREAM]'
    )
    wait_ready(guarded, before)
    run = trace["trainingRun"]["id"]
    assert run in node_ids(guarded)
    before = gestures(guarded)
    page.click(f'#nodelist-items > li[data-id="{run}"] button.expand[data-direction=UPSTREAM]')
    wait_ready(guarded, before)
    shown = set(node_ids(guarded))
    assert {u["id"] for u in trace["trainingRun"]["used"]} <= shown
    # The details panel of the selected node.
    page.click(f'#nodelist-items > li[data-id="{model_version}"] button.node-button')
    page.wait_for_selector("#details .classifications")
    assert "PII" in page.inner_text("#details .classifications")
    assert page.get_attribute("#details a.graphiql", "href").startswith("/graphql?query=")


def asks(request: Any, operation: str, **variables: Any) -> bool:
    """Whether a request the page made is the GraphQL operation with these variables."""
    body = request.post_data_json if request.method == "POST" else None
    return (
        isinstance(body, dict)
        and body.get("query", "").startswith(f"query {operation}")
        and all(body.get("variables", {}).get(k) == v for k, v in variables.items())
    )


def test_explorer_details_show_the_last_selection_when_an_earlier_answer_comes_late(
    guarded: Guarded, browser_server: Server
) -> None:
    """The page asks for the details of the node it opens; a click on another node before
    that answer arrives must win: the late answer is dropped, not drawn over it (CI saw the
    prediction's details where the model version's were clicked for)."""
    page = guarded.page
    prediction, model_version = "Prediction:pred-00000042", "ModelVersion:credit-risk@1"
    held: list[Route] = []

    def is_details_of(request: Any, uid: str) -> bool:
        return asks(request, "Details", id=uid)

    def hold(route: Route) -> None:
        if not held and is_details_of(route.request, prediction):
            held.append(route)  # answered below, after the click
        else:
            route.fallback()

    page.route("**/graphql", hold)
    sign_in(guarded, browser_server, f"/explore?id={prediction}&direction=BOTH")
    wait_ready(guarded, 0)
    wait_until(guarded, "document.querySelectorAll('#nodelist-items > li').length > 1")
    assert len(held) == 1
    page.click(f'#nodelist-items > li[data-id="{model_version}"] button.node-button')
    page.wait_for_selector("#details .classifications")
    assert "credit-risk@1" in page.inner_text("#details h2")
    with page.expect_response(lambda r: is_details_of(r.request, prediction)) as late:
        held[0].continue_()
    late.value.finished()
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 300))")
    assert "credit-risk@1" in page.inner_text("#details h2")
    assert "PII" in page.inner_text("#details .classifications")


def test_explorer_pages_a_wide_node(guarded: Guarded, browser_server: Server) -> None:
    page = guarded.page
    deployment = "Deployment:prod/credit-risk-api"
    sign_in(guarded, browser_server, f"/explore?id={deployment}&direction=UPSTREAM")
    wait_ready(guarded, 0)
    (counts,) = [
        n
        for n in api(
            browser_server,
            "query($id: ID!) { explore(id: $id) { nodes { id downstreamCount } } }",
            id=deployment,
        )["explore"]["nodes"]
        if n["id"] == deployment
    ]
    predictions = lambda: [i for i in node_ids(guarded) if i.startswith("Prediction:")]  # noqa: E731
    assert predictions() == []
    before = gestures(guarded)
    page.click(
        f'#nodelist-items > li[data-id="{deployment}"] button.expand[data-direction=DOWNSTREAM]'
    )
    wait_ready(guarded, before)
    assert len(predictions()) == 25
    assert f"show 25 more of {counts['downstreamCount'] - 25}" in node_text(guarded, deployment)
    before = gestures(guarded)
    page.click(
        f'#nodelist-items > li[data-id="{deployment}"] button.expand[data-direction=DOWNSTREAM]'
    )
    wait_ready(guarded, before)
    assert len(predictions()) == 50
    assert f"of {counts['downstreamCount'] - 50}" in node_text(guarded, deployment)


def open_the_rolled_back_deployment(g: Guarded, server: Server) -> tuple[datetime, str]:
    """The demo's credit-risk deployment opened upstream in the explorer, and when its
    champion was rolled back (from v3 to v2)."""
    history = api(
        server,
        '{ deployment(key: "prod/credit-risk-api") { servingHistory { validFrom reason } } }',
    )
    (rollback,) = [
        datetime.fromisoformat(r["validFrom"])
        for r in history["deployment"]["servingHistory"]
        if r["reason"].startswith("rollback")
    ]
    deployment = "Deployment:prod/credit-risk-api"
    sign_in(g, server, f"/explore?id={deployment}&direction=UPSTREAM")
    wait_ready(g, 0)
    return rollback, deployment


def test_explorer_as_of_slider_crosses_the_rollback(
    guarded: Guarded, browser_server: Server
) -> None:
    page = guarded.page
    rollback, deployment = open_the_rolled_back_deployment(guarded, browser_server)
    assert "champion v2" in node_text(guarded, deployment)
    seen = []
    for at, champion, other in (
        (rollback - timedelta(hours=2), "champion v3", "credit-risk@2"),
        (rollback + timedelta(hours=2), "champion v2", "credit-risk@3"),
    ):
        before = gestures(guarded)
        page.fill("#asof-slider", str(int(at.timestamp() // 3600)))
        wait_ready(guarded, before)
        text = node_text(guarded, deployment)
        seen.append(text)
        assert champion in text, text
        shown = node_ids(guarded)
        assert f"ModelVersion:{other}" not in shown or champion == "champion v2"
        assert "asOf=" in page.url
    assert seen[0] != seen[1]
    # The deep link reproduces the view, as of that moment.
    page.goto(page.url)
    wait_until(guarded, "document.body.dataset.state === 'ready'")
    assert "champion v2" in node_text(guarded, deployment)
    assert page.input_value("#asof-date") != ""


def test_explorer_draws_the_newest_as_of_when_an_older_answer_comes_late(
    guarded: Guarded, browser_server: Server
) -> None:
    """Moving the as-of slider twice asks twice; the first answer arriving last must not
    draw the earlier moment over the later one the slider, the URL and the label show."""
    page = guarded.page
    rollback, deployment = open_the_rolled_back_deployment(guarded, browser_server)
    held: list[Route] = []

    def hold(route: Route) -> None:
        body = route.request.post_data_json if route.request.method == "POST" else None
        earlier = isinstance(body, dict) and body.get("variables", {}).get("asOf") is not None
        if not held and asks(route.request, "Explore") and earlier:
            held.append(route)  # answered below, after the later moment is drawn
        else:
            route.fallback()

    page.route("**/graphql", hold)
    page.fill("#asof-slider", str(int((rollback - timedelta(hours=2)).timestamp() // 3600)))
    wait_until(guarded, "document.body.dataset.state === 'loading'")
    assert len(held) == 1
    before = gestures(guarded)
    page.fill("#asof-slider", str(int((rollback + timedelta(hours=2)).timestamp() // 3600)))
    wait_ready(guarded, before)
    assert "champion v2" in node_text(guarded, deployment)
    drawn = gestures(guarded)
    with page.expect_response(lambda r: r.request.post_data == held[0].request.post_data):
        held[0].continue_()
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 300))")
    assert gestures(guarded) == drawn
    assert "champion v2" in node_text(guarded, deployment)


def test_explorer_pii_badge_legend_and_keyboard(guarded: Guarded, browser_server: Server) -> None:
    page = guarded.page
    mv = "ModelVersion:credit-risk@2"
    expected = api(
        browser_server,
        "query($id: ID!) { classificationsUpstream(id: $id) { classification } }",
        id=mv,
    )
    assert "PII" in {c["classification"] for c in expected["classificationsUpstream"]}
    sign_in(guarded, browser_server, f"/explore?id={mv}")
    wait_ready(guarded, 0)
    badges = page.eval_on_selector_all(
        f'#nodelist-items > li[data-id="{mv}"] .badge', "els => els.map(e => e.innerText)"
    )
    assert "PII" in badges and "production" in badges
    assert "PII" in page.inner_text("#legend")
    assert page.get_attribute("#graph", "aria-label") == "Lineage graph"
    for control in ("#q", "#direction", "#depth", "#asof-slider", "#asof-date"):
        labelled = page.evaluate(
            "(s) => { const e = document.querySelector(s); return !!(e.labels && e.labels.length) || !!e.getAttribute('aria-label'); }",
            control,
        )
        assert labelled, control
    page.focus("#graph")
    page.keyboard.press("ArrowRight")
    announced = page.inner_text("#announce")
    assert announced and "upstream" in announced
    page.focus(f'#nodelist-items > li[data-id="{mv}"] button.node-button')
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
