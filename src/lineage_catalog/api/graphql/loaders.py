"""Per-request DataLoaders: each batches every key of one request into one UNWIND query."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from strawberry.dataloader import DataLoader

from lineage_catalog.domain.columns import ColumnEdge
from lineage_catalog.domain.model import NAMED_BY_PROPERTY, Kind, Neighbor, NodeRecord, Rel
from lineage_catalog.services import columns
from lineage_catalog.store import audit, jobs, nodes, questions
from lineage_catalog.store.graph import Graph
from lineage_catalog.store.jobs import JobDatasets
from lineage_catalog.store.questions import OwnerOf, Upstream

ColumnInputs = tuple[list[ColumnEdge], dict[str, NodeRecord]]


class Loaders:
    """The loaders of one request; `at` is the request's "now" for current links."""

    def __init__(
        self, graph: Graph, *, nested_limit: int, reader: str = "", request_id: str = ""
    ) -> None:
        self._graph = graph
        self._reader = reader
        self._request_id = request_id
        self._nested_limit = nested_limit
        self.at = datetime.now(UTC)
        self.node: DataLoader[str, NodeRecord | None] = DataLoader(load_fn=self._load_nodes)
        # A node with the nodes it names (a lookup by key): they prime `node`, so that a
        # prediction's deployment and model version cost no second statement.
        self.node_and_named: DataLoader[str, NodeRecord | None] = DataLoader(
            load_fn=self._load_nodes_and_named
        )
        self._neighbors: dict[
            tuple[Rel, bool, Kind | None, datetime | None], DataLoader[str, list[Neighbor]]
        ]
        self._neighbors = {}
        self._owners: dict[datetime, DataLoader[str, list[OwnerOf]]] = {}
        self.restrictions: DataLoader[str, frozenset[str]] = DataLoader(
            load_fn=self._load_restrictions
        )

        self.access_log: DataLoader[tuple[str, str, bool], None] = DataLoader(
            load_fn=self._log_access, cache=False
        )
        # (start uids, depth, as_of) -> the upstream lineage: a report asks for it twice (the
        # trace and the classifications upstream), the database answers once.
        self.upstream: DataLoader[tuple[tuple[str, ...], int, datetime | None], Upstream] = (
            DataLoader(load_fn=self._load_upstream)
        )
        self._job_runs: dict[tuple[str | None, int], DataLoader[str, list[NodeRecord]]] = {}
        self.job_run_counts: DataLoader[str, int] = DataLoader(load_fn=self._load_run_counts)
        self.job_datasets: DataLoader[str, JobDatasets] = DataLoader(
            load_fn=self._load_job_datasets
        )
        # A version's column edges from its direct inputs, and the versions they name.
        self.column_inputs: DataLoader[str, ColumnInputs] = DataLoader(
            load_fn=self._load_column_inputs
        )

    async def _load_column_inputs(self, uids: Sequence[str]) -> list[ColumnInputs]:
        edges, versions = await columns.columns_of(self._graph, versions=list(uids))
        return [(edges.get(uid, []), versions) for uid in uids]

    async def _load_upstream(
        self, keys: Sequence[tuple[tuple[str, ...], int, datetime | None]]
    ) -> list[Upstream]:
        return list(await asyncio.gather(*(
            questions.upstream(self._graph, uids=list(uids), depth=depth, as_of=as_of)
            for uids, depth, as_of in keys
        )))  # fmt: skip

    def job_runs(self, *, after: str | None, limit: int) -> DataLoader[str, list[NodeRecord]]:
        """A job's runs newest first, after the run key `after`, at most `limit`: one
        statement for every job of the request that asks for the same page."""
        spec = (after, limit)
        loader = self._job_runs.get(spec)
        if loader is None:

            async def load(uids: Sequence[str]) -> list[list[NodeRecord]]:
                found = await jobs.job_runs(self._graph, jobs=list(uids), after=after, limit=limit)
                return [found.get(uid, []) for uid in uids]

            loader = DataLoader(load_fn=load)
            self._job_runs[spec] = loader
        return loader

    async def _load_run_counts(self, uids: Sequence[str]) -> list[int]:
        found = await jobs.job_run_counts(self._graph, jobs=list(uids))
        return [found.get(uid, 0) for uid in uids]

    async def _load_job_datasets(self, uids: Sequence[str]) -> list[JobDatasets]:
        found = await jobs.job_datasets(self._graph, jobs=list(uids), limit=self._nested_limit)
        return [found.get(uid, JobDatasets()) for uid in uids]

    async def _log_access(self, reads: Sequence[tuple[str, str, bool]]) -> list[None]:
        """Write every restricted read of the request to the access log (one transaction)."""
        rows = [
            {"actor": self._reader, "request_id": self._request_id, "target": target,
             "field": field, "granted": granted}
            for target, field, granted in reads
        ]  # fmt: skip
        await audit.log_access(self._graph, reads=rows)
        return [None] * len(reads)

    async def _load_restrictions(self, uids: Sequence[str]) -> list[frozenset[str]]:
        found = await nodes.restricted_classifications(self._graph, uids=list(uids))
        return [frozenset(found.get(uid, [])) for uid in uids]

    async def _load_nodes(self, uids: Sequence[str]) -> list[NodeRecord | None]:
        found = await nodes.nodes_by_uid(self._graph, uids=list(uids))
        return [found.get(uid) for uid in uids]

    async def _load_nodes_and_named(self, uids: Sequence[str]) -> list[NodeRecord | None]:
        found = await nodes.nodes_by_uid(self._graph, uids=list(uids), named=True)
        asked = [found.get(uid) for uid in uids]
        for uid, record in zip(uids, asked, strict=True):
            self.node.prime(uid, record)
            if record is None:
                continue
            for prop in NAMED_BY_PROPERTY.get(record.kind, ()):
                named = record.named(prop)
                if named is not None:  # a name that no node has is primed as absent
                    self.node.prime(named, found.get(named))
        return asked

    def neighbors(
        self,
        rel: Rel,
        *,
        outgoing: bool,
        kind: Kind | None = None,
        current: bool = False,
        as_of: datetime | None = None,
    ) -> DataLoader[str, list[Neighbor]]:
        """Neighbors over rel; `current` keeps only intervals valid now (owners, serving),
        `as_of` those valid at that time."""
        at = as_of if as_of is not None else (self.at if current else None)
        spec = (rel, outgoing, kind, at)
        loader = self._neighbors.get(spec)
        if loader is None:

            async def load(uids: Sequence[str]) -> list[list[Neighbor]]:
                found = await nodes.neighbors(
                    self._graph,
                    uids=list(uids),
                    rel=rel,
                    outgoing=outgoing,
                    kind=kind,
                    at=at,
                    limit=self._nested_limit,
                )
                return [found.get(uid, []) for uid in uids]

            loader = DataLoader(load_fn=load)
            self._neighbors[spec] = loader
        return loader

    def owners(self, as_of: datetime | None = None) -> DataLoader[str, list[OwnerOf]]:
        """Owners now (or as of a time), direct and inherited from a version's parent: the
        rule of `questions.owners_of`, one statement per batch."""
        at = as_of if as_of is not None else self.at
        loader = self._owners.get(at)
        if loader is None:

            async def load(uids: Sequence[str]) -> list[list[OwnerOf]]:
                found = await questions.owners_of(
                    self._graph, uids=list(uids), at=at, limit=self._nested_limit
                )
                return [found.get(uid, []) for uid in uids]

            loader = DataLoader(load_fn=load)
            self._owners[at] = loader
        return loader
