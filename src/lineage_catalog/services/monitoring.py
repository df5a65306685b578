"""Monitors, observations and profiles: registering a monitor, recording metric values (one
at a time or a bulk file's batch) and profiles whose drift the catalog computes. A value
that breaches its monitor's threshold opens an incident or extends the open one
(services/incidents.py judges). Each change is one transaction with its audit events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lineage_catalog.domain.audit import Change
from lineage_catalog.domain.auth import Actor
from lineage_catalog.domain.drift import drift
from lineage_catalog.domain.errors import BadInputError, CatalogError, ConflictError
from lineage_catalog.domain.monitoring import (
    DRIFT_TYPES,
    PROFILE_SUBJECT_KINDS,
    At,
    DriftMetric,
    Monitor,
    Observation,
    ObservationCommand,
    target_of,
)
from lineage_catalog.services import audit, incidents
from lineage_catalog.store import monitoring as store
from lineage_catalog.store import nodes
from lineage_catalog.store.graph import Graph, WriteTx
from lineage_catalog.store.monitoring import Profile

Path = list[str | int]


def _input(name: str) -> Path:
    head, *rest = name.split("_")
    return ["input", head + "".join(part.title() for part in rest)]


async def register_monitor(
    graph: Graph, *, actor: Actor, monitor: Monitor, reason: str | None
) -> Monitor:
    """Create or update a monitor, audited with before and after; what it watches, its type
    and metric are fixed once it exists (register a new monitor instead)."""

    async def work(tx: WriteTx) -> Monitor:
        named = {monitor.target: _input("target")}
        if monitor.owner:
            named.setdefault(monitor.owner, _input("owner"))
        reference = monitor.reference or ""
        if reference and not reference.startswith("Profile:"):
            named.setdefault(reference, _input("reference"))
        for missing in await nodes.missing_uids(tx, uids=named):
            raise BadInputError(f"no node {missing}", path=named[missing])
        if reference.startswith("Profile:"):
            key = reference.removeprefix("Profile:")
            if not await store.profiles_by_key(tx, keys=[key]):
                raise BadInputError(f"no profile {key!r}", path=_input("reference"))
        existing = (await store.lock_monitors(tx, keys=[monitor.key])).get(monitor.key)
        if existing is not None:
            was = existing.monitor
            for name in ("target", "type", "metric"):
                if getattr(was, name) != getattr(monitor, name):
                    raise BadInputError(
                        f"the {name} of monitor {monitor.key!r} is {getattr(was, name)}: it "
                        "cannot change (register a new monitor)",
                        path=_input(name),
                    )
        before, after = await store.merge_monitor(tx, monitor=monitor, actor=actor.uid)
        plain_before = None if before is None else nodes.decode_props(before)
        if plain_before != nodes.decode_props(after):
            change = Change(
                "monitor.register", f"Monitor:{monitor.key}", plain_before,
                nodes.decode_props(after), reason,
            )  # fmt: skip
            await audit.record(tx, actor=actor, changes=[change])
        return store.to_monitor(after)

    return await graph.write(work)


@dataclass
class Written:
    """What write_observations did: rows refused (by index) with the error, rows stored
    already as given, the observations written and the incident changes to audit."""

    refused: dict[int, CatalogError] = field(default_factory=dict)
    stored: set[int] = field(default_factory=set)
    observations: list[Observation] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


async def write_observations(
    tx: WriteTx, *, commands: Sequence[ObservationCommand], actor: Actor
) -> Written:
    """Store the observations whose monitor exists (locked for the transaction) and whose
    key is new; judge each monitor's breaches in time order (incidents.judge). The caller
    audits `changes` with its own, last in the transaction."""
    done = Written()
    locked = await store.lock_monitors(tx, keys=[c.monitor for c in commands])
    for i, c in enumerate(commands):
        if c.monitor not in locked:
            done.refused[i] = BadInputError(f"no monitor {c.monitor!r}", path=c.at("monitor"))
    wanted = {i: c for i, c in enumerate(commands) if i not in done.refused}
    known = await store.stored_values(tx, keys=[c.key for c in wanted.values()])
    by_monitor: dict[str, list[Observation]] = {}
    for i, c in wanted.items():
        value = known.get(c.key)
        if value is not None:
            if value == c.value:
                done.stored.add(i)
            else:
                field_name = ".".join(str(p) for p in c.at("value"))
                error = ConflictError(
                    f"{field_name}: monitor {c.monitor!r} has the value {value:g} at "
                    f"{c.observed_at.isoformat()}; observations are kept as recorded"
                )
                error.extensions["field"] = field_name
                done.refused[i] = error
            continue
        known[c.key] = c.value
        monitor = locked[c.monitor].monitor
        observation = Observation(
            key=c.key, monitor=c.monitor, value=c.value, observed_at=c.observed_at,
            breached=monitor.breaches(c.value), source=c.source, window_start=c.window_start,
            window_end=c.window_end, details=c.details,
        )  # fmt: skip
        done.observations.append(observation)
        by_monitor.setdefault(c.monitor, []).append(observation)
    await store.create_observations(tx, observations=done.observations)
    writes = []
    for key, observations in sorted(by_monitor.items()):
        found = locked[key]
        judged, changes = incidents.judge(
            found.monitor, found.open_incident, observations, actor=actor
        )
        writes += judged
        done.changes += changes
    await store.write_incidents(tx, writes=writes)
    return done


def _touched(done: Written) -> list[str]:
    """The keys of the incidents a write opened, extended or resolved."""
    return sorted({c.target.removeprefix("Incident:") for c in done.changes})


def observation_change(observation: Observation) -> Change:
    """The audit event of one observation recorded on its own (a bulk batch has one)."""
    after = {"observation": observation.key, "value": observation.value,
             "observed_at": observation.observed_at, "breached": observation.breached,
             "source": observation.source}  # fmt: skip
    return Change("observation.record", f"Monitor:{observation.monitor}", None, after)


async def record_observation(
    graph: Graph, *, actor: Actor, command: ObservationCommand
) -> tuple[Observation | None, list[str]]:
    """Record one observation: (the observation, or None when it was stored already as
    given; the keys of the incidents it opened, extended or resolved)."""

    async def work(tx: WriteTx) -> tuple[Observation | None, list[str]]:
        done = await write_observations(tx, commands=[command], actor=actor)
        if done.refused:
            raise done.refused[0]
        changes = [observation_change(o) for o in done.observations] + done.changes
        await audit.record(tx, actor=actor, changes=changes)
        return (done.observations[0] if done.observations else None), _touched(done)

    return await graph.write(work)


async def record_profile(
    graph: Graph, *, actor: Actor, profile: Profile, reason: str | None
) -> tuple[Profile, list[Observation], list[str]]:
    """Store a profile and, for each drift monitor it feeds (watching its subject, or the
    dataset of a dataset version), the drift of the monitored column against the
    reference's profile as an observation; sending it again changes nothing."""
    target_of(profile.subject, kinds=PROFILE_SUBJECT_KINDS, what="profiled",
              path=_input("subject"))  # fmt: skip

    async def work(tx: WriteTx) -> tuple[Profile, list[Observation], list[str]]:
        if await nodes.missing_uids(tx, uids=[profile.subject]):
            raise BadInputError(f"no node {profile.subject}", path=_input("subject"))
        stored = (await store.profiles_by_key(tx, keys=[profile.key])).get(profile.key)
        if stored is not None:
            if stored.content() != profile.content():
                raise ConflictError(
                    f"profile {profile.key!r} is stored with other content; profiles are kept "
                    "as recorded: send a new one under a new key"
                )
            return stored, [], []
        commands = _drift_observations(
            profile,
            await store.drift_monitors_of(
                tx, subject=profile.subject, types=sorted(DRIFT_TYPES),
                metrics=sorted(DriftMetric),
            ),
        )  # fmt: skip
        await store.create_profile(tx, profile=profile)
        done = await write_observations(tx, commands=commands, actor=actor)
        if done.refused:
            raise done.refused[min(done.refused)]
        after = {"subject": profile.subject, "observed_at": profile.observed_at,
                 "columns": [c.name for c in profile.columns]}  # fmt: skip
        changes = [
            Change("profile.record", f"Profile:{profile.key}", None, after, reason),
            *[observation_change(o) for o in done.observations],
            *done.changes,
        ]
        await audit.record(tx, actor=actor, changes=changes)
        return profile, done.observations, _touched(done)

    return await graph.write(work)


def _under(path: Path) -> At:
    def at(name: str) -> Path:
        return [*path, name]

    return at


def _drift_observations(
    profile: Profile, monitors: Sequence[tuple[Monitor, Profile | None]]
) -> list[ObservationCommand]:
    """The drift of each monitor's column against its reference profile; a monitor whose
    reference this profile is, or whose column it lacks, is left out."""
    commands = []
    index = {c.name: i for i, c in enumerate(profile.columns)}
    for monitor, reference in monitors:
        if monitor.reference in (f"Profile:{profile.key}", profile.subject):
            continue
        assert monitor.column is not None  # drift monitors name one (domain.monitoring)
        if monitor.column not in index:
            continue
        path: Path = ["input", "columns", index[monitor.column]]
        if reference is None:
            raise BadInputError(
                f"monitor {monitor.key!r} compares with {monitor.reference}, which has no "
                "profile yet: record the reference's profile first",
                path=_input("subject"),
            )
        base = reference.column(monitor.column)
        if base is None:
            raise BadInputError(
                f"the reference profile {reference.key!r} of monitor {monitor.key!r} has no "
                f"column {monitor.column!r}",
                path=[*path, "name"],
            )
        metric = DriftMetric(monitor.metric)
        value = drift(metric, base, profile.columns[index[monitor.column]], path=path)
        details = {"profile": profile.key, "reference_profile": reference.key,
                   "column": monitor.column, "metric": metric.value}  # fmt: skip
        commands.append(ObservationCommand(
            monitor=monitor.key, value=value, observed_at=profile.observed_at,
            window_start=profile.window_start, window_end=profile.window_end, details=details,
            source="profile", at=_under(path),
        ))  # fmt: skip
    return commands
