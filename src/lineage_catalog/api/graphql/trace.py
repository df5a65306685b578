"""Q1's one statement (store/trace.py) and the DataLoaders it primes, so that the trace's
nested fields (owners with their parents, commit authors, run commits) need no other."""

from __future__ import annotations

from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.pagination import checked_depth
from lineage_catalog.domain.model import VERSION_PARENT, Kind, Rel
from lineage_catalog.store import trace as trace_store
from lineage_catalog.store.trace import Trace

_OWNED = (Kind.DATASET_VERSION, Kind.FEATURE, Kind.MODEL_VERSION)


# What a trace field of a parsed document selects, by (id of its operation, path): the
# operation is the one object the document cache (api/graphql/documents.py) hands every
# request of the same text, and it is
# kept here (so that its id is not reused) until 256 other trace fields push it out.
_WANTED: dict[tuple[int, tuple[str | int, ...]], tuple[object, tuple[bool, bool, bool]]] = {}
_WANTED_MAX = 256


def _wanted(info: Info[Context, None]) -> tuple[bool, bool, bool]:
    """Whether the trace's selection asks for owners, commits' authors and runs' commits
    (through fragments too), worked out once per document and field."""
    operation = info.operation
    key = (id(operation), tuple(info.path.as_list()))
    found = _WANTED.get(key)
    if found is not None and found[0] is operation:
        return found[1]
    wanted = _selected(info)
    if len(_WANTED) >= _WANTED_MAX:
        del _WANTED[next(iter(_WANTED))]
    _WANTED[key] = (operation, wanted)
    return wanted


def _selected(info: Info[Context, None]) -> tuple[bool, bool, bool]:
    owners = authors = run_commits = False
    pending: list[tuple[str | None, object]] = [
        (None, s) for field in info.selected_fields for s in field.selections
    ]
    while pending:
        parent, selection = pending.pop()
        if not isinstance(selection, SelectedField):  # a fragment spread or inline fragment
            pending += [(parent, s) for s in selection.selections]  # type: ignore[attr-defined]
        elif parent is None:
            owners = owners or selection.name == "owners"
            if selection.name in ("codeCommits", "runs", "trainingRun"):
                pending += [(selection.name, s) for s in selection.selections]
        elif parent == "codeCommits":
            authors = authors or selection.name == "author"
        else:
            run_commits = run_commits or selection.name == "codeCommit"
    return owners, authors, run_commits


async def find_trace(
    info: Info[Context, None],
    *,
    prediction: str | None = None,
    model_version: str | None = None,
    depth: int | None,
) -> Trace:
    """The trace of a prediction uid (or, without one, of a model version uid), with the
    request's loaders primed by what it found."""
    ctx = info.context
    loaders = ctx.loaders
    owners, authors, run_commits = _wanted(info)
    levels = checked_depth(ctx.settings, depth)
    found = await trace_store.trace(
        ctx.graph,
        prediction=prediction,
        model_version=model_version,
        depth=levels,
        at=loaders.at,
        limit=ctx.settings.max_page_size,
        owners=owners,
        authors=authors,
        run_commits=run_commits,
    )
    loaders.node.prime_many(found.nodes)
    if prediction is not None:
        loaders.node.prime(prediction, found.prediction)
    mv = found.model_version
    if mv is not None:
        # Classifications upstream (a report) walk the same lineage: no second statement.
        loaders.upstream.prime(((mv.uid,), levels, None), found.upstream)
    if found.owners is not None:
        things = [n for n in found.upstream.nodes if n.kind in _OWNED]
        things += [n for n in (mv, found.deployment) if n is not None]
        owners_now = loaders.owners()
        for thing in things:
            owners_now.prime(thing.uid, found.owners.get(thing.uid, []))
            # What the owners resolver loads besides the owners: a version's parent
            # (api/graphql/types.owners_of), sent among the nodes when it exists.
            if thing.kind in VERSION_PARENT:
                parent_uid = thing.named(VERSION_PARENT[thing.kind])
                if parent_uid is not None and parent_uid not in found.nodes:
                    loaders.node.prime(parent_uid, None)
    if found.authors is not None:
        by_commit = loaders.neighbors(Rel.AUTHORED, outgoing=False)
        for n in found.upstream.nodes:
            if n.kind == Kind.CODE_COMMIT:
                by_commit.prime(n.uid, found.authors.get(n.uid, []))
    if found.run_commits is not None:
        by_run = loaders.neighbors(Rel.EXECUTED, outgoing=True)
        for n in found.upstream.nodes:
            if n.kind == Kind.RUN:
                by_run.prime(n.uid, found.run_commits.get(n.uid, []))
    return found
