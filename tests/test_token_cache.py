"""The token cache (docs/security.md, "Token cache"): a token's principal is read once per
`auth_token_cache_s`; a change made through an instance applies there at the next request,
and on another instance once its entry is older than the TTL. Real Neo4j, real apps."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from lineage_catalog.app import create_app
from lineage_catalog.auth.token_cache import TokenCache
from lineage_catalog.domain.auth import Principal, Role
from lineage_catalog.domain.model import Kind
from lineage_catalog.services import accounts
from lineage_catalog.settings import Settings
from tests.governance_helpers import error_code, post_as
from tests.graphql_client import gql

READ = "query { catalogStats { datasets } }"
WRITE = 'mutation { registerDataset(input: {key: "cache-ds"}) { key } }'
ISSUE = """mutation($account: ID!, $expires: DateTime) {
  issueToken(account: $account, name: "cache-test", expiresAt: $expires) { token tokenId } }"""
CREATE = """mutation($input: AccountInput!) {
  createAccount(input: $input, reason: "token cache test") { id } }"""
LOOKUP = "accounts/principal_by_token"


def _app(settings: Settings, admin_token: str, ttl_s: float) -> TestClient:
    changed = settings.model_copy(update={"auth_token_cache_s": ttl_s, "rate_limit_per_s": 0})
    return TestClient(create_app(changed), headers={"Authorization": f"Bearer {admin_token}"})


@pytest.fixture
def cached(settings: Settings, admin_token: str, clean_graph: Driver) -> Iterator[TestClient]:
    """An app whose token cache keeps principals for a minute."""
    with _app(settings, admin_token, 60.0) as client:
        yield client


def _lookups(client: TestClient) -> float:
    """How many token lookups this app has sent to Neo4j."""
    registry = client.app.state.metrics.registry  # type: ignore[attr-defined]
    found = registry.get_sample_value("lineage_neo4j_query_seconds_count", {"query": LOOKUP})
    return float(found or 0)


def _account(client: TestClient, account: str, roles: list[str]) -> None:
    gql(client, CREATE, input={"id": account, "roles": roles, "clearances": []})


def _token(client: TestClient, account: str, expires: datetime | None = None) -> tuple[str, str]:
    issued = gql(client, ISSUE, account=account,
                 expires=expires.isoformat() if expires else None)["issueToken"]  # fmt: skip
    return issued["token"], issued["tokenId"]


@pytest.mark.parametrize(("ttl_s", "lookups"), [(60.0, 1), (0.0, 5)], ids=["cached", "off"])
def test_a_token_is_read_once_per_ttl(
    settings: Settings, admin_token: str, clean_graph: Driver, ttl_s: float, lookups: int
) -> None:
    with _app(settings, admin_token, ttl_s) as client:
        _account(client, "ServiceAccount:cache-bot", ["READER"])
        token, _ = _token(client, "ServiceAccount:cache-bot")
        before = _lookups(client)
        for _ in range(5):
            assert error_code(post_as(client, token, READ)) is None
        assert _lookups(client) - before == lookups


def test_changes_through_this_instance_apply_at_the_next_request(cached: TestClient) -> None:
    _account(cached, "Person:cached@m.example", ["WRITER"])
    token, token_id = _token(cached, "Person:cached@m.example")
    assert error_code(post_as(cached, token, WRITE)) is None  # now in the cache
    _account(cached, "Person:cached@m.example", ["READER"])  # createAccount sets the roles
    assert error_code(post_as(cached, token, WRITE)) == "FORBIDDEN"
    gql(cached, 'mutation { setAccess(account: "Person:cached@m.example", roles: [WRITER], '
                'reason: "back") { id } }')  # fmt: skip
    assert error_code(post_as(cached, token, WRITE)) is None
    gql(cached, 'mutation { disableAccount(account: "Person:cached@m.example", '
                'reason: "left") { id } }')  # fmt: skip
    assert error_code(post_as(cached, token, READ)) == "UNAUTHENTICATED"
    gql(cached, 'mutation { enableAccount(account: "Person:cached@m.example", '
                'reason: "back") { id } }')  # fmt: skip
    assert error_code(post_as(cached, token, READ)) is None
    gql(cached, 'mutation($t: String!) { revokeToken(tokenId: $t, reason: "lost") }', t=token_id)
    assert error_code(post_as(cached, token, READ)) == "UNAUTHENTICATED"


def test_another_instance_refuses_a_revoked_token_within_its_ttl(
    settings: Settings, admin_token: str, clean_graph: Driver
) -> None:
    now = [1000.0]  # the second instance's cache clock, moved by hand
    with _app(settings, admin_token, 60.0) as first, _app(settings, admin_token, 60.0) as second:
        accounts.token_cache(second.app.state.graph, ttl_s=60.0, clock=lambda: now[0])  # type: ignore[attr-defined]
        _account(first, "ServiceAccount:two-instances", ["READER"])
        token, token_id = _token(first, "ServiceAccount:two-instances")
        other, _ = _token(first, "ServiceAccount:two-instances")
        assert error_code(post_as(second, token, READ)) is None
        assert error_code(post_as(second, other, READ)) is None
        gql(first, 'mutation { disableAccount(account: "ServiceAccount:two-instances", '
                   'reason: "rotating") { id } }')  # fmt: skip
        gql(first, 'mutation($t: String!) { revokeToken(tokenId: $t, reason: "r") }', t=token_id)
        assert error_code(post_as(first, token, READ)) == "UNAUTHENTICATED"
        assert error_code(post_as(first, other, READ)) == "UNAUTHENTICATED"
        # The second instance read both before the change; it keeps them for its TTL (the
        # bound docs/security.md states), and not a moment longer.
        now[0] += 59.0
        assert error_code(post_as(second, token, READ)) is None
        now[0] += 1.0
        assert error_code(post_as(second, token, READ)) == "UNAUTHENTICATED"
        assert error_code(post_as(second, other, READ)) == "UNAUTHENTICATED"


def test_a_cached_token_stops_at_its_expiry(cached: TestClient) -> None:
    _account(cached, "ServiceAccount:expiring", ["READER"])
    expires = datetime.now(UTC) + timedelta(seconds=2)
    token, _ = _token(cached, "ServiceAccount:expiring", expires=expires)
    assert error_code(post_as(cached, token, READ)) is None
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.1)
    assert error_code(post_as(cached, token, READ)) == "UNAUTHENTICATED"


def test_a_lookup_that_raced_a_change_is_not_kept() -> None:
    cache = TokenCache(ttl_s=60.0)
    principal = Principal(uid="Person:a@m.example", kind=Kind.PERSON,
                          roles=frozenset({Role.READER}), clearances=frozenset())  # fmt: skip
    generation, checked = cache.generation(), cache.now()
    # The account changes while the database lookup is on its way back.
    cache.forget_account("Person:a@m.example")
    cache.put("h", principal, expires_at=None, generation=generation, checked=checked)
    assert cache.get("h") is None
    cache.put("h", principal, expires_at=None, generation=cache.generation(), checked=cache.now())
    assert cache.get("h") == principal
