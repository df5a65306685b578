"""The provenance graph's vocabulary: node kinds, relationship types, identities."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lineage_catalog.domain.errors import BadInputError


class Kind(StrEnum):
    """Node kinds; each is also the node's Neo4j label (a fixed set, never from input)."""

    PERSON = "Person"
    TEAM = "Team"
    SERVICE_ACCOUNT = "ServiceAccount"
    DATASET = "Dataset"
    DATASET_VERSION = "DatasetVersion"
    FEATURE = "Feature"
    CODE_COMMIT = "CodeCommit"
    JOB = "Job"
    RUN = "Run"
    MODEL = "Model"
    MODEL_VERSION = "ModelVersion"
    DEPLOYMENT = "Deployment"
    PREDICTION = "Prediction"
    EVALUATION = "Evaluation"
    CLASSIFICATION = "Classification"


AGENT_KINDS = frozenset({Kind.PERSON, Kind.TEAM, Kind.SERVICE_ACCOUNT})
OWNABLE_KINDS = frozenset(
    {
        Kind.DATASET,
        Kind.DATASET_VERSION,
        Kind.FEATURE,
        Kind.JOB,
        Kind.MODEL,
        Kind.MODEL_VERSION,
        Kind.DEPLOYMENT,
        Kind.CODE_COMMIT,
    }
)

# The nodes a node names by a property that holds their key, by its kind and the property:
# what it is a version of, the job and parent of a run, a prediction's deployment and model
# version. A lookup by key reads them in the same statement (store.nodes.nodes_by_uid).
NAMED_BY_PROPERTY: dict[Kind, dict[str, Kind]] = {
    Kind.DATASET_VERSION: {"dataset": Kind.DATASET},
    Kind.RUN: {"job": Kind.JOB, "parent_run": Kind.RUN},
    Kind.MODEL_VERSION: {"model": Kind.MODEL},
    Kind.PREDICTION: {"deployment": Kind.DEPLOYMENT, "model_version": Kind.MODEL_VERSION},
}
# The property naming a version's parent, whose owners the version inherits.
VERSION_PARENT: dict[Kind, str] = {Kind.DATASET_VERSION: "dataset", Kind.MODEL_VERSION: "model"}


# What a monitor may watch and an incident may be about.
MONITORABLE_KINDS = frozenset(
    {Kind.DEPLOYMENT, Kind.MODEL_VERSION, Kind.FEATURE, Kind.DATASET, Kind.DATASET_VERSION}
)


class MonitoringLabel(StrEnum):
    """Labels of monitoring's governance records (domain/monitoring.py): nodes that are not
    catalog nodes (no :Node, no uid), so generic catalog queries never reach them, like
    approvals and audit events. Each has a unique `key` (V0007)."""

    MONITOR = "Monitor"
    OBSERVATION = "Observation"
    PROFILE = "Profile"
    INCIDENT = "Incident"


class MonitoringRel(StrEnum):
    """Links of monitoring's records; none is a lineage relationship, so no traversal walks
    them (a Rel would be accepted by edge files and checked against LINK_ENDS)."""

    WATCHES = "WATCHES"  # (Monitor)-[:WATCHES]->(Deployment|ModelVersion|Feature|Dataset|DV)
    REFERENCE = "REFERENCE"  # (Monitor)-[:REFERENCE]->(DatasetVersion|Profile)
    OBSERVATION_OF = "OBSERVATION_OF"  # (Observation)-[:OBSERVATION_OF]->(Monitor)
    PROFILE_OF = "PROFILE_OF"  # (Profile)-[:PROFILE_OF]->(DatasetVersion|Deployment|MV)
    ABOUT = "ABOUT"  # (Incident)-[:ABOUT]->(a monitorable node)
    RAISED_BY = "RAISED_BY"  # (Incident)-[:RAISED_BY]->(Monitor)
    EVIDENCE = "EVIDENCE"  # (Incident)-[:EVIDENCE]->(Observation)
    # The way back into lineage (services/incident_links.py):
    ADDRESSES = "ADDRESSES"  # (Run)-[:ADDRESSES]->(Incident), e.g. the retraining run
    CITED = "CITED"  # (Incident)-[:CITED {action, at, by, reason, ...}]->(ModelVersion)
    FIXED_BY = "FIXED_BY"  # (Incident)-[:FIXED_BY]->(ModelVersion|Deployment)


class Rel(StrEnum):
    """Relationship types: the lineage vocabulary plus two structural links."""

    USED = "USED"  # (Run)-[:USED]->(entity version)
    GENERATED = "GENERATED"  # (Run)-[:GENERATED]->(entity version)
    EXECUTED = "EXECUTED"  # (Run)-[:EXECUTED]->(CodeCommit)
    VERSION_OF = "VERSION_OF"  # (DatasetVersion|ModelVersion)-[:VERSION_OF]->(Dataset|Model)
    SERVED = "SERVED"  # (Deployment)-[:SERVED {role, traffic_share, valid_from, valid_to}]->(MV)
    MADE_BY = "MADE_BY"  # (Prediction)-[:MADE_BY]->(Deployment|ModelVersion)
    OWNS = "OWNS"  # (agent)-[:OWNS {role, valid_from, valid_to}]->(thing)
    AUTHORED = "AUTHORED"  # (Person)-[:AUTHORED]->(CodeCommit)
    TRIGGERED = "TRIGGERED"  # (agent)-[:TRIGGERED]->(Run)
    CLASSIFIED_AS = "CLASSIFIED_AS"  # (thing)-[:CLASSIFIED_AS]->(Classification)
    RUN_OF = "RUN_OF"  # (Run)-[:RUN_OF]->(Job)
    MEMBER_OF = "MEMBER_OF"  # (Person)-[:MEMBER_OF]->(Team)


class RunKind(StrEnum):
    TRANSFORMATION = "transformation"
    TRAINING = "training"
    EVALUATION = "evaluation"
    INFERENCE_BATCH = "inference_batch"
    OTHER = "other"


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    ABORTED = "aborted"


class Stage(StrEnum):
    REGISTERED = "registered"
    STAGING = "staging"
    PRODUCTION = "production"
    ARCHIVED = "archived"


class ServingRole(StrEnum):
    CHAMPION = "champion"
    CHALLENGER = "challenger"
    SHADOW = "shadow"
    CANARY = "canary"


class OwnerRole(StrEnum):
    TECHNICAL_OWNER = "technical_owner"
    BUSINESS_OWNER = "business_owner"
    STEWARD = "steward"


_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+%\-]{0,199}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+\-]{0,63}$")
# The same rule for vectorized checks of whole Arrow columns (RE2, whose `$` is the end of
# the text, never before a final newline).
KEY_PATTERN = _KEY.pattern
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def uid(kind: Kind, key: str) -> str:
    """The graph-wide identity of a node: "<Kind>:<key>"."""
    return f"{kind.value}:{key}"


def split_uid(value: str, *, path: list[str | int] | None = None) -> tuple[Kind, str]:
    """The kind and key of a uid; BadInputError when it is not one."""
    kind, sep, key = value.partition(":")
    try:
        if sep and key:
            return Kind(kind), key
    except ValueError:
        pass
    raise BadInputError(
        f"{value!r} is not a node id (expected <Kind>:<key>, e.g. Dataset:loans-raw)",
        path=path or ["id"],
    )


def check_key(key: str, *, path: list[str | int]) -> str:
    """A valid human-readable key, or BadInputError naming the field."""
    # fullmatch: `$` alone would also match before a final newline ("a\n" looks like "a").
    if not _KEY.fullmatch(key) or "@" in key:
        raise BadInputError(
            f"{key!r} is not a valid key: letters, digits and . _ - : / + % (no @), "
            "at most 200 characters",
            path=path,
        )
    return key


def check_email(key: str, *, path: list[str | int]) -> str:
    """A person's identity: an address in one Unicode form (NFC), lower-cased, with no
    spaces, control or invisible format characters (a zero-width space or a final newline
    would make a second person who prints like the first)."""
    email = unicodedata.normalize("NFC", key).lower()
    if (
        not _EMAIL.fullmatch(email)
        or len(email) > 200
        or any(unicodedata.category(c)[0] in "CZ" for c in email)
    ):
        raise BadInputError(f"{key!r} is not an email address", path=path)
    return email


# Unicode categories a display name may not hold: controls (NUL, tab, newline), format
# characters (zero-width spaces and joiners, bidirectional overrides such as U+202E, the
# byte-order mark), lone surrogates, private use, unassigned, line and paragraph separators.
_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MAX_NAME_LENGTH = 1000


def check_name(name: str, *, path: list[str | int]) -> str:
    """A display name (an entity's name, an OpenLineage namespace): one line of visible text,
    so that two names that print alike are alike; else BadInputError naming the field."""
    bad = next((c for c in name if unicodedata.category(c) in _NOT_IN_NAMES), None)
    if bad is not None:
        raise BadInputError(
            f"a name cannot hold U+{ord(bad):04X} ({unicodedata.category(bad)}: control, "
            "invisible or bidirectional-override characters print unlike what they are)",
            path=path,
        )
    if not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise BadInputError(
            f"a name must hold visible text, {MAX_NAME_LENGTH} characters at most", path=path
        )
    return name


def version_key(parent: str, version: str, *, path: list[str | int]) -> str:
    """The key of a version: "<parent key>@<version>"."""
    if not _VERSION.fullmatch(version):
        raise BadInputError(
            f"{version!r} is not a valid version: letters, digits and . _ - +", path=path
        )
    return f"{parent}@{version}"


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """Any catalog node as stored: kind, key and its properties (times as datetimes)."""

    kind: Kind
    key: str
    props: dict[str, Any]

    @property
    def uid(self) -> str:
        return uid(self.kind, self.key)

    def get(self, name: str, default: Any = None) -> Any:
        return self.props.get(name, default)

    def named(self, prop: str) -> str | None:
        """The uid of the node this one names by `prop` (NAMED_BY_PROPERTY), or None when
        the property is not set or not text."""
        value = self.props.get(prop)
        return uid(NAMED_BY_PROPERTY[self.kind][prop], value) if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    """A relationship between two nodes, with its own properties."""

    type: Rel
    source: str
    target: str
    props: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Neighbor:
    """A node reached from another over one relationship."""

    origin: str
    node: NodeRecord
    edge: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    """A page of nodes in stable key order, and whether more follow."""

    nodes: list[NodeRecord]
    has_next: bool
    total: int | None  # None: not counted
