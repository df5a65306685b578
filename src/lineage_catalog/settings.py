"""One settings object for the whole catalog, read from LINEAGE_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration; every field can be set as LINEAGE_<FIELD> (e.g. LINEAGE_NEO4J_URI)."""

    model_config = SettingsConfigDict(env_prefix="LINEAGE_", env_file=".env", extra="ignore")

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("neo4j-password")
    neo4j_database: str = "neo4j"
    neo4j_max_connection_pool_size: int = Field(default=50, ge=1)
    neo4j_connection_timeout_s: float = Field(default=5.0, gt=0)
    # How long a transaction is retried on transient errors (leader switch, deadlock).
    neo4j_retry_time_s: float = Field(default=5.0, ge=0)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    migrate_on_start: bool = True
    graphiql: bool = True
    # Every request needs `Authorization: Bearer <token>`. Switch off only for a local demo:
    # the server then treats every caller as an anonymous admin and says so loudly at start.
    auth_enabled: bool = True
    # How long a token's principal is kept in each process instead of read on every
    # request (docs/security.md, "Token cache"); 0 reads it on every request.
    auth_token_cache_s: float = Field(default=2.0, ge=0)

    # Model lifecycle: how long a challenger serves before it may become champion.
    challenger_warmup_s: float = Field(default=24 * 3600, ge=0)

    # Limits that protect the graph from expensive requests.
    max_traversal_depth: int = Field(default=20, ge=1, le=100)
    max_query_depth: int = Field(default=15, ge=2)
    max_page_size: int = Field(default=500, ge=1)
    default_page_size: int = Field(default=50, ge=1)
    max_search_results: int = Field(default=100, ge=1)

    # Protection for a shared service (docs/security.md).
    # Every GraphQL request has this long, in all; each Cypher transaction it opens gets the
    # time that is left as its Neo4j transaction timeout, so the server cancels it.
    request_timeout_s: float = Field(default=30.0, gt=0)
    # What one GraphQL request may cost (docs/security.md, "Cost"): each field counts once
    # for every item of the lists around it; a traversal stands for 100 items per level.
    max_query_cost: int = Field(default=500_000, ge=1)
    # Requests per second each principal (or, before sign-in, each client address) may
    # make, on average, with bursts up to rate_limit_burst; 0 switches the limit off.
    # The buckets live in each worker process.
    rate_limit_per_s: float = Field(default=200.0, ge=0)
    rate_limit_burst: int = Field(default=400, ge=1)
    # Biggest GraphQL request body, in bytes (bulk files and OpenLineage have their own).
    max_graphql_body_bytes: int = Field(default=1_000_000, ge=1024)
    # Schema introspection (__schema, __type) answers; switch off in production if the
    # schema is not for every caller to read (GraphiQL needs it).
    introspection: bool = True
    # Origins a browser may call the API from (CORS); none by default.
    cors_origins: list[str] = Field(default_factory=list)

    # The compliance report's PDF is the HTML report printed by headless Chromium.
    chromium_path: str = "/usr/bin/chromium"

    # Logs (docs/security.md, "Logs"): `text` for people, `json` (one object per line) for
    # a log pipeline; the level of the catalog's loggers.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # The local Neo4j started from Maven artifacts (scripts/, tests, CI).
    local_neo4j_port: int = Field(default=7687, ge=1, le=65535)
    local_neo4j_dir: str = ".local/neo4j"
    local_neo4j_heap: str = "2g"
    local_neo4j_pagecache_mb: int = Field(default=512, ge=16)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
