"""Serving roles on deployments: record or deploy a version as challenger, shadow or canary,
promote a warmed-up production challenger to champion, and roll back to the previous
champion. Each change is one write transaction that includes its audit event."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from lineage_catalog.domain import rules
from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.errors import BadInputError, ConflictError, NotFoundError
from lineage_catalog.domain.model import Kind, Rel, ServingRole, Stage, uid
from lineage_catalog.services import audit, incident_links, registry
from lineage_catalog.services.incident_links import IncidentRef
from lineage_catalog.services.lifecycle import locked_version, stage_of
from lineage_catalog.store import lifecycle, nodes
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.lifecycle import ServingInterval

CHAMPION, CHALLENGER = ServingRole.CHAMPION.value, ServingRole.CHALLENGER.value


def _lineup(intervals: Sequence[ServingInterval]) -> dict[str, str]:
    """Which version serves in which role, as audited."""
    return {i.model_version: i.role for i in intervals}


def _duration(seconds: float) -> str:
    minutes, secs = divmod(max(0, math.ceil(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s"


async def _locked_deployment(tx: WriteTx, key: str) -> tuple[str, list[ServingInterval]]:
    deployment = uid(Kind.DEPLOYMENT, key)
    intervals = await lifecycle.lock_deployment(tx, uid=deployment)
    if intervals is None:
        raise NotFoundError(f"no deployment {key!r}")
    return deployment, intervals


async def _serve(
    tx: WriteTx, *, actor: Actor, deployment: str, model_version: str, role: str,
    traffic_share: float, reason: str | None, at: datetime, incident: IncidentRef | None = None,
) -> None:  # fmt: skip
    props = {"valid_from": at, "role": role, "traffic_share": traffic_share, "reason": reason,
             "changed_by": actor.uid, "incident": incident.key if incident else None}  # fmt: skip
    await nodes.link_interval(
        tx, rel=Rel.SERVED, source=deployment, target=model_version, props=props
    )


async def record_serving(
    graph: Graph, *, actor: Actor, deployment: str, model_version: str, role: ServingRole,
    traffic_share: float, valid_from: datetime, valid_to: datetime | None, reason: str | None,
    changed_by: str | None,
) -> None:  # fmt: skip
    """Record that a deployment serves (or served) a version in a role other than champion."""
    # A writer's record must not skip what promoteToChampion enforces: the four-eyes
    # approval to production and the challenger's warm-up.
    if role is ServingRole.CHAMPION:
        raise BadInputError(
            "recordServing cannot make a version champion: a version becomes champion only by "
            "promoteToChampion, once an approved promotion (requestPromotion, "
            "approvePromotion) put it in production and it has warmed up as challenger; load "
            "past champions with a bulk load of SERVED edges",
            path=["input", "role"],
        )
    traffic_share = rules.traffic_share(traffic_share, path=["input", "trafficShare"])

    async def not_archived(tx: WriteTx) -> None:
        node, _ = await locked_version(tx, model_version)
        if stage_of(node) is Stage.ARCHIVED:
            raise ConflictError(f"{model_version} is archived and cannot serve")

    props = {"role": role.value, "traffic_share": traffic_share, "valid_to": valid_to,
             "reason": reason, "changed_by": changed_by}  # fmt: skip
    await registry.link_interval(
        graph, actor=actor, action="serving.record", rel=Rel.SERVED,
        source=registry.ref(["deployment"], Rel.SERVED, Kind.DEPLOYMENT, deployment),
        target=registry.ref(["modelVersion"], Rel.SERVED, Kind.MODEL_VERSION, model_version),
        valid_from=valid_from, props=props, reason=reason, check=not_archived,
    )  # fmt: skip


async def deploy_model_version(
    graph: Graph, *, actor: Actor, deployment: str, model_version: str, role: ServingRole,
    traffic_share: float, reason: str, incident: IncidentRef | None = None,
) -> None:  # fmt: skip
    """Start serving a version at a deployment now, as challenger, shadow or canary; the
    change may cite an incident."""
    if role is ServingRole.CHAMPION:
        raise BadInputError(
            "a version becomes champion only by promoteToChampion", path=["input", "role"]
        )
    traffic_share = rules.traffic_share(traffic_share, path=["input", "trafficShare"])

    async def work(tx: WriteTx) -> None:
        await incident_links.check_incidents(tx, [incident] if incident else [])
        target, intervals = await _locked_deployment(tx, deployment)
        node, _ = await locked_version(tx, model_version)
        if stage_of(node) is Stage.ARCHIVED:
            raise ConflictError(f"{model_version} is archived and cannot be deployed")
        at = nodes.now()
        current = [i for i in intervals if i.open_at(at)]
        for i in current:
            if i.model_version == node.uid:
                raise ConflictError(
                    f"{model_version} already serves at {deployment} as {i.role} "
                    f"(since {i.valid_from.isoformat()})"
                )
        await _serve(tx, actor=actor, deployment=target, model_version=node.uid,
                     role=role.value, traffic_share=traffic_share, reason=reason,
                     at=at, incident=incident)  # fmt: skip
        before = {"serving": _lineup(current)}
        after = {"serving": {**_lineup(current), node.uid: role.value}, "role": role.value,
                 "model_version": node.uid, "traffic_share": traffic_share}  # fmt: skip
        after |= await incident_links.cite(
            tx, incident=incident, action="serving.deploy", by=actor.uid, reason=reason,
            model_version=node.uid, deployment=deployment,
        )  # fmt: skip
        change = Change("serving.deploy", target, before, after, reason)
        await audit.record(tx, actor=actor, changes=[change])

    await graph.write(work)


async def promote_to_champion(
    graph: Graph, *, actor: Actor, deployment: str, model_version: str, reason: str,
    warmup_s: float, incident: IncidentRef | None = None,
) -> None:  # fmt: skip
    """Make a warmed-up production challenger the champion; the old champion stops now. The
    change may cite an incident."""

    async def work(tx: WriteTx) -> None:
        await incident_links.check_incidents(tx, [incident] if incident else [])
        target, intervals = await _locked_deployment(tx, deployment)
        node, _ = await locked_version(tx, model_version)
        at = nodes.now()
        current = [i for i in intervals if i.open_at(at)]
        challenger = next(
            (i for i in current if i.model_version == node.uid and i.role == CHALLENGER), None
        )
        if challenger is None:
            raise ConflictError(
                f"{model_version} does not serve at {deployment} as challenger: deploy it "
                "first (deployModelVersion with role CHALLENGER)"
            )
        served = (at - challenger.valid_from).total_seconds()
        if served < warmup_s:
            raise ConflictError(
                f"{model_version} is still warming up at {deployment}: it has served as "
                f"challenger for {_duration(served)} of {_duration(warmup_s)}; "
                f"{_duration(warmup_s - served)} remaining"
            )
        if stage_of(node) is not Stage.PRODUCTION:
            raise ConflictError(
                f"{model_version} is {stage_of(node).value}: only a production version can become "
                "champion (requestPromotion, approvePromotion)"
            )
        champions = [i for i in current if i.role == CHAMPION]
        ended = [*champions, challenger]
        await lifecycle.close_serving(tx, intervals=ended, ended_by=actor.uid, reason=reason, at=at)
        await _serve(tx, actor=actor, deployment=target, model_version=node.uid, role=CHAMPION,
                     traffic_share=1.0, reason=reason, at=at, incident=incident)  # fmt: skip
        remaining = [i for i in current if i not in ended]
        before = {"champion": [c.model_version for c in champions], "serving": _lineup(current)}
        after = {"champion": [node.uid], "serving": {**_lineup(remaining), node.uid: CHAMPION}}
        after |= await incident_links.cite(
            tx, incident=incident, action="serving.promote", by=actor.uid, reason=reason,
            model_version=node.uid, deployment=deployment,
        )  # fmt: skip
        change = Change("serving.promote", target, before, after, reason)
        await audit.record(tx, actor=actor, changes=[change])

    await graph.write(work)


async def rollback(
    graph: Graph, *, actor: Actor, deployment: str, reason: str,
    incident: IncidentRef | None = None,
) -> None:  # fmt: skip
    """End the current champion and make the previous champion champion again; the change
    may cite an incident."""
    # The previous champion: another version's champion interval that ended last before the
    # current one began.

    async def work(tx: WriteTx) -> None:
        await incident_links.check_incidents(tx, [incident] if incident else [])
        target, intervals = await _locked_deployment(tx, deployment)
        at = nodes.now()
        current = [i for i in intervals if i.open_at(at)]
        champions = sorted((i for i in current if i.role == CHAMPION), key=lambda i: i.valid_from)
        if not champions:
            raise ConflictError(f"no champion serves at {deployment}: nothing to roll back")
        now_serving = champions[-1]
        earlier = [
            i for i in intervals
            if i.role == CHAMPION and i.model_version != now_serving.model_version
            and i.valid_to is not None and i.valid_to <= now_serving.valid_from
        ]  # fmt: skip
        if not earlier:
            raise ConflictError(
                f"no previous champion at {deployment} to roll back to "
                f"({now_serving.model_version} is its first)"
            )
        previous = max(earlier, key=lambda i: i.valid_to or i.valid_from)
        if previous.stage == Stage.ARCHIVED.value:
            raise ConflictError(f"the previous champion {previous.model_version} is archived")
        # The rule of promoteToChampion: only a production version serves as champion, so
        # imported history of a version never approved cannot become champion by rollback.
        if previous.stage != Stage.PRODUCTION.value:
            raise ConflictError(
                f"the previous champion {previous.model_version} is {previous.stage}: only a "
                "production version can be champion (requestPromotion, approvePromotion)"
            )
        await lifecycle.close_serving(
            tx, intervals=champions, ended_by=actor.uid, reason=reason, at=at
        )
        await _serve(tx, actor=actor, deployment=target, model_version=previous.model_version,
                     role=CHAMPION, traffic_share=1.0, reason=reason, at=at,
                     incident=incident)  # fmt: skip
        remaining = [i for i in current if i not in champions]
        before = {"champion": [c.model_version for c in champions], "serving": _lineup(current)}
        after = {"champion": [previous.model_version],
                 "serving": {**_lineup(remaining), previous.model_version: CHAMPION}}  # fmt: skip
        after |= await incident_links.cite(
            tx, incident=incident, action="serving.rollback", by=actor.uid, reason=reason,
            model_version=previous.model_version, deployment=deployment,
        )  # fmt: skip
        change = Change("serving.rollback", target, before, after, reason)
        await audit.record(tx, actor=actor, changes=[change])

    await graph.write(work)
