"""The way back from an incident into lineage: a run addresses it (the retraining run), a
lifecycle change cites it (a promotion request or approval, a deployment, a promotion to
champion, a rollback), and its resolution points at what fixed it. The checks and writes
run inside the caller's transaction, before and with the change's audit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, check_key, split_uid
from lineage_catalog.domain.monitoring import Incident
from lineage_catalog.store import incident_links as store
from lineage_catalog.store import monitoring as monitoring_store
from lineage_catalog.store import nodes
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.incident_links import Citation, IncidentLinks

Path = list[str | int]
# What can be pointed at as having fixed an incident: the version that replaced the one at
# fault, or the deployment a rollback restored.
FIXER_KINDS = frozenset({Kind.MODEL_VERSION, Kind.DEPLOYMENT})


@dataclass(frozen=True, slots=True)
class IncidentRef:
    """An incident named by an input, with the input's path (for errors)."""

    key: str
    path: tuple[str | int, ...]


def incident_refs(keys: Sequence[str], *, path: Path) -> tuple[IncidentRef, ...]:
    """Incident keys from a list input, each checked as a key and named by its index."""
    refs = []
    for i, key in enumerate(keys):
        refs.append(IncidentRef(check_key(key, path=[*path, i]), (*path, i)))
    return tuple(refs)


def incident_ref(key: str | None, *, path: Path) -> IncidentRef | None:
    """An optional incident key from one input (None when not given)."""
    return None if key is None else IncidentRef(check_key(key, path=path), tuple(path))


async def check_incidents(tx: WriteTx, refs: Sequence[IncidentRef]) -> None:
    """Refuse (BAD_USER_INPUT at the input's path) any ref naming no incident; the ones
    found stay locked until the transaction ends."""
    if not refs:
        return
    found = await store.lock_incident_keys(tx, keys=[r.key for r in refs])
    for ref in refs:
        if ref.key not in found:
            raise BadInputError(f"no incident {ref.key!r}", path=list(ref.path))


async def addresses(tx: WriteTx, *, run: str, keys: Sequence[str]) -> tuple[int, int]:
    """Make the run (uid) address exactly these checked incidents: (added, removed)."""
    return await store.link_addresses(tx, run=run, keys=keys)


async def cite(
    tx: WriteTx, *, incident: IncidentRef | None, action: str, by: str, reason: str | None,
    model_version: str, approval: str | None = None, deployment: str | None = None,
) -> dict[str, str]:  # fmt: skip
    """Record the citation of a checked incident (if any) by a lifecycle change; what the
    change's audit event adds (`{"incident": key}`, or nothing)."""
    if incident is None:
        return {}
    await store.cite_incident(
        tx, incident=incident.key, action=action, by=by, reason=reason,
        model_version=model_version, approval=approval, deployment=deployment,
    )  # fmt: skip
    return {"incident": incident.key}


async def check_fixer(tx: WriteTx, fixed_by: str, *, path: Path) -> str:
    """The uid of what fixed an incident: an existing model version or deployment."""
    kind, _ = split_uid(fixed_by, path=path)
    if kind not in FIXER_KINDS:
        raise BadInputError(
            f"{fixed_by!r} cannot fix an incident: name a ModelVersion or a Deployment",
            path=path,
        )
    if await nodes.missing_uids(tx, uids=[fixed_by]):
        raise BadInputError(f"no {fixed_by}", path=path)
    return fixed_by


async def link_fixed_by(tx: WriteTx, *, incident: str, fixed_by: str) -> None:
    """Point the incident at what fixed it (checked by check_fixer)."""
    await store.link_fixed_by(tx, incident=incident, fixed_by=fixed_by)


async def links(graph: Graph, *, keys: Sequence[str]) -> dict[str, IncidentLinks]:
    """What each incident led to, by key (one statement)."""
    return await store.incident_links(graph, keys=keys)


async def incidents_of_versions(graph: Graph, *, uids: Sequence[str]) -> dict[str, list[str]]:
    """The incidents tied to each model version (uid), by key (one statement)."""
    return await store.incidents_of_versions(graph, uids=uids)


__all__ = ["Citation", "IncidentLinks", "IncidentRef", "check_incidents", "cite", "links"]


async def report_monitoring(
    graph: Graph, *, model_version: str, limit: int, observations: int
) -> tuple[list[store.ReportMonitor], list[Incident]]:
    """A version's monitors (see store.report_monitoring) with their latest observations,
    and its incidents, newest opened first: tied to the version (incidents_of_versions) or
    raised by those monitors. Three statements, whatever the size."""
    monitors, raised = await store.report_monitoring(
        graph, uid=model_version, limit=limit, observations=observations
    )
    tied = (await store.incidents_of_versions(graph, uids=[model_version])).get(model_version, [])
    keys = sorted({*raised, *tied})
    found = await monitoring_store.incidents_by_key(graph, keys=keys) if keys else []
    found.sort(key=lambda i: (i.opened_at, i.key), reverse=True)
    return monitors, found[:limit]
