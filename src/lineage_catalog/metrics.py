"""Prometheus metrics of one app: GraphQL operations, HTTP requests, Neo4j query time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """A registry of its own per app, so that several apps (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.graphql_requests = Counter(
            "lineage_graphql_requests_total",
            "GraphQL operations by name and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.graphql_seconds = Histogram(
            "lineage_graphql_request_seconds",
            "GraphQL operation latency.",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.http_requests = Counter(
            "lineage_http_requests_total",
            "HTTP requests by route and status.",
            ["route", "status"],
            registry=self.registry,
        )
        self.neo4j_seconds = Histogram(
            "lineage_neo4j_query_seconds",
            "Time of each named Cypher statement, including fetching its records.",
            ["query"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe_query(self, name: str, seconds: float) -> None:
        """Record one named Cypher statement."""
        self.neo4j_seconds.labels(query=name).observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format."""
        return generate_latest(self.registry)
