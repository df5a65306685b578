"""The Query root: lookups by key, lists, and the catalog's questions (Q1, Q6, Q8, Q9, Q10)."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.pagination import (
    Connection,
    checked_depth,
    connection,
    decode_cursor,
    page_size,
    selects,
)
from lineage_catalog.api.graphql.types import (
    CatalogNode,
    CodeCommit,
    Dataset,
    DatasetVersion,
    Deployment,
    Evaluation,
    Feature,
    Job,
    Model,
    ModelVersion,
    Ownership,
    Person,
    Prediction,
    Run,
    Team,
    owners_of,
    to_type,
)
from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, NodeRecord, Rel, split_uid, uid
from lineage_catalog.store import nodes, questions

GqlKind = strawberry.enum(Kind, name="NodeKind")
SEARCHABLE = [k for k in Kind if k not in (Kind.PREDICTION, Kind.RUN, Kind.EVALUATION)]
UNOWNED_DEFAULT = [Kind.DATASET, Kind.FEATURE, Kind.JOB, Kind.MODEL, Kind.DEPLOYMENT]
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')
_LUCENE_OPERATORS = frozenset({"AND", "OR", "NOT"})
MAX_SEARCH_TERMS = 20
MAX_SEARCH_CHARS = 500


def search_terms(text: str) -> list[str]:
    """The words of search text, once each: runs of letters, digits and combining marks.

    Everything else separates words, as the analyzers do (docs/search.md): spaces,
    punctuation such as `-` `_` `.` `/` `@` `:`, symbols, Lucene's operators, so
    `credit-risk@2` is `credit`, `risk`, `2`.
    """
    terms: dict[str, str] = {}
    word: list[str] = []
    for char in unicodedata.normalize("NFC", text) + " ":
        if unicodedata.category(char)[0] in "LNM":
            word.append(char)
        elif word:
            term = "".join(word)
            terms.setdefault(term.casefold(), term)
            word = []
    return list(terms.values())


def lucene_query(text: str) -> str:
    """User text as a Lucene query: every term required, as a word or the start of one,
    escaped so that nothing in it is Lucene syntax."""
    if len(text) > MAX_SEARCH_CHARS:
        raise BadInputError(
            f"search text must be {MAX_SEARCH_CHARS} characters at most", path=["text"]
        )
    try:
        text.encode()
    except UnicodeEncodeError as e:
        raise BadInputError(
            "search text is not valid Unicode (a lone surrogate)", path=["text"]
        ) from e
    terms = search_terms(text)
    if not 1 <= len(terms) <= MAX_SEARCH_TERMS:
        raise BadInputError(
            f"search text must have 1 to {MAX_SEARCH_TERMS} words (letters or digits, "
            f"{MAX_SEARCH_CHARS} characters at most)",
            path=["text"],
        )
    clauses = []
    for term in terms:
        # Terms hold no Lucene syntax characters; escaping them anyway costs nothing.
        escaped = _LUCENE_SPECIAL.sub(r"\\\1", term)
        if term in _LUCENE_OPERATORS:  # a word, not the operator: `\AND` is the term AND
            escaped = "\\" + escaped
        clauses.append(f"({escaped} OR {escaped}*)")
    return " AND ".join(clauses)


def search_key(text: str) -> str | None:
    """The text to match keys exactly and by prefix: NFC, trimmed; None if it has spaces."""
    key = unicodedata.normalize("NFC", text).strip()
    return key if key and not any(c.isspace() for c in key) else None


async def _by_key(info: Info[Context, None], kind: Kind, key: str) -> Any:
    record = await info.context.loaders.node.load(uid(kind, key))
    return to_type(record) if record else None


@strawberry.type(
    description="One lineage relationship between two nodes, as stored: the edge of a "
    "prediction trace (Q1) and of the `lineage` subgraph."
)
class LineageEdge:
    type: str = strawberry.field(
        description="The relationship: USED (run -> entity version it read), GENERATED "
        "(run -> entity version it wrote) or EXECUTED (run -> code commit it ran)."
    )
    source: strawberry.ID = strawberry.field(description="Id of the node the edge starts at.")
    target: strawberry.ID = strawberry.field(description="Id of the node the edge points to.")


@strawberry.type(
    description="Q1: from a prediction (or a model version) to everything that produced it."
)
class PredictionTrace:
    prediction: Prediction | None
    deployment: Deployment | None
    model_version: ModelVersion | None
    training_run: Run | None
    runs: list[Run]
    dataset_versions: list[DatasetVersion]
    features: list[Feature]
    code_commits: list[CodeCommit]
    upstream_model_versions: list[ModelVersion]
    edges: list[LineageEdge]

    @strawberry.field(description="Current owners of every upstream thing, by thing.")
    async def owners(self, info: Info[Context, None]) -> list[Ownership]:
        things: list[CatalogNode] = [
            *self.dataset_versions,
            *self.features,
            *self.upstream_model_versions,
        ]
        if self.model_version:
            things.append(self.model_version)
        if self.deployment:
            things.append(self.deployment)
        # Concurrently, so that the loaders batch every thing into one statement per hop.
        per_thing = await asyncio.gather(*(owners_of(info, thing.record) for thing in things))
        unique = {
            (o.owner_record.uid, o.target_record.uid, o.role): o
            for found in per_thing
            for o in found
        }
        return list(unique.values())


@strawberry.type(description="Q6: what it takes to rebuild a model version.")
class Reproducibility:
    model_version: ModelVersion
    training_run: Run | None
    code_commit: CodeCommit | None
    dataset_versions: list[DatasetVersion]
    features: list[Feature]
    parameters: strawberry.scalars.JSON | None
    environment: strawberry.scalars.JSON | None


@strawberry.enum(description="How a search hit matched, best first.")
class SearchMatch(Enum):
    KEY = "KEY"
    KEY_PREFIX = "KEY_PREFIX"
    WORDS = "WORDS"
    FILTERS = "FILTERS"


@strawberry.type
class SearchHit:
    score: float = strawberry.field(
        description="Higher is better; hits come in score order. With text: 2 or more for "
        "an exact key, 1 to 2 for a key prefix, below 1 for words only; 1 with filters only."
    )
    node: CatalogNode
    match: SearchMatch = strawberry.field(
        description="KEY: the text is the key; KEY_PREFIX: the key starts with it; WORDS: "
        "every word of the text starts a word of the key, name, description or tags; "
        "FILTERS: no text, only tag and classification."
    )


def _of(records: list[NodeRecord], kind: Kind) -> list[Any]:
    return [to_type(r) for r in records if r.kind == kind]


async def trace_model_version(
    info: Info[Context, None],
    *,
    model_version: str,
    depth: int | None,
    prediction: NodeRecord | None = None,
    deployment: str | None = None,
) -> PredictionTrace:
    """Everything upstream of a model version (and the prediction and deployment that used
    it, for Q1), as a trace with owners: one traversal and one batched lookup."""
    ctx = info.context
    mv_uid = uid(Kind.MODEL_VERSION, model_version)
    wanted = [mv_uid] + ([uid(Kind.DEPLOYMENT, deployment)] if deployment else [])
    up, found = await asyncio.gather(
        ctx.loaders.upstream.load((mv_uid, checked_depth(ctx.settings, depth), None)),
        ctx.loaders.node.load_many(wanted),
    )
    mv, dep = found[0], (found[1] if deployment else None)
    training = [e.source for e in up.edges if e.type == Rel.GENERATED and e.target == mv_uid]
    by_uid = {n.uid: n for n in up.nodes}
    ctx.loaders.node.prime_many(by_uid)  # nested fields reach these without another statement
    return PredictionTrace(
        prediction=to_type(prediction) if prediction else None,  # type: ignore[arg-type]
        deployment=to_type(dep) if dep else None,  # type: ignore[arg-type]
        model_version=to_type(mv) if mv else None,  # type: ignore[arg-type]
        training_run=to_type(by_uid[training[0]]) if training else None,  # type: ignore[arg-type]
        runs=_of(up.nodes, Kind.RUN),
        dataset_versions=_of(up.nodes, Kind.DATASET_VERSION),
        features=_of(up.nodes, Kind.FEATURE),
        code_commits=_of(up.nodes, Kind.CODE_COMMIT),
        upstream_model_versions=_of(up.nodes, Kind.MODEL_VERSION),
        edges=[
            LineageEdge(
                type=e.type.value, source=strawberry.ID(e.source), target=strawberry.ID(e.target)
            )
            for e in up.edges
        ],
    )


async def reproducibility_of(
    info: Info[Context, None], *, model_version: str
) -> Reproducibility | None:
    """Q6 for one model version."""
    found = await questions.reproducibility(
        info.context.graph, uid=uid(Kind.MODEL_VERSION, model_version)
    )
    if found is None:
        return None
    run = found.run
    return Reproducibility(
        model_version=to_type(found.model_version),  # type: ignore[arg-type]
        training_run=to_type(run) if run else None,  # type: ignore[arg-type]
        code_commit=to_type(found.commit) if found.commit else None,  # type: ignore[arg-type]
        dataset_versions=_of(found.inputs, Kind.DATASET_VERSION),
        features=_of(found.inputs, Kind.FEATURE),
        parameters=run.props.get("parameters") if run else None,
        environment=run.props.get("environment") if run else None,
    )


@strawberry.type
class Query:
    @strawberry.field(description="Any node by id (<Kind>:<key>).")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> CatalogNode | None:
        split_uid(id)
        record = await info.context.loaders.node.load(id)
        return to_type(record) if record else None

    @strawberry.field
    async def person(self, info: Info[Context, None], email: str) -> Person | None:
        return await _by_key(info, Kind.PERSON, email.lower())  # type: ignore[no-any-return]

    @strawberry.field
    async def team(self, info: Info[Context, None], key: str) -> Team | None:
        return await _by_key(info, Kind.TEAM, key)  # type: ignore[no-any-return]

    @strawberry.field
    async def dataset(self, info: Info[Context, None], key: str) -> Dataset | None:
        return await _by_key(info, Kind.DATASET, key)  # type: ignore[no-any-return]

    @strawberry.field(description="By key <dataset>@<version>.")
    async def dataset_version(self, info: Info[Context, None], key: str) -> DatasetVersion | None:
        return await _by_key(info, Kind.DATASET_VERSION, key)  # type: ignore[no-any-return]

    @strawberry.field
    async def feature(self, info: Info[Context, None], key: str) -> Feature | None:
        return await _by_key(info, Kind.FEATURE, key)  # type: ignore[no-any-return]

    @strawberry.field(description="By key <repo>@<sha>.")
    async def code_commit(self, info: Info[Context, None], key: str) -> CodeCommit | None:
        return await _by_key(info, Kind.CODE_COMMIT, key)  # type: ignore[no-any-return]

    @strawberry.field
    async def job(self, info: Info[Context, None], key: str) -> Job | None:
        return await _by_key(info, Kind.JOB, key)  # type: ignore[no-any-return]

    @strawberry.field(description="By run id.")
    async def run(self, info: Info[Context, None], key: str) -> Run | None:
        return await _by_key(info, Kind.RUN, key)  # type: ignore[no-any-return]

    @strawberry.field
    async def model(self, info: Info[Context, None], key: str) -> Model | None:
        return await _by_key(info, Kind.MODEL, key)  # type: ignore[no-any-return]

    @strawberry.field(description="By key <model>@<version>.")
    async def model_version(self, info: Info[Context, None], key: str) -> ModelVersion | None:
        return await _by_key(info, Kind.MODEL_VERSION, key)  # type: ignore[no-any-return]

    @strawberry.field(description="By key <environment>/<name>.")
    async def deployment(self, info: Info[Context, None], key: str) -> Deployment | None:
        return await _by_key(info, Kind.DEPLOYMENT, key)  # type: ignore[no-any-return]

    @strawberry.field
    async def prediction(self, info: Info[Context, None], key: str) -> Prediction | None:
        return await _by_key(info, Kind.PREDICTION, key)  # type: ignore[no-any-return]

    @strawberry.field
    async def evaluation(self, info: Info[Context, None], key: str) -> Evaluation | None:
        return await _by_key(info, Kind.EVALUATION, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Nodes of one kind in key order. Filters: tag, classification, parent "
        "(versions of a Dataset/Model, runs of a Job, by id), stage, runKind."
    )
    async def nodes(
        self,
        info: Info[Context, None],
        kind: GqlKind,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        tag: str | None = None,
        classification: str | None = None,
        parent: strawberry.ID | None = None,
        stage: str | None = None,
        run_kind: str | None = None,
    ) -> Connection[CatalogNode]:
        equals = {k: v for k, v in (("stage", stage), ("run_kind", run_kind)) if v is not None}
        after_key = decode_cursor(after)
        page = await nodes.page_by_kind(
            info.context.graph,
            kind=Kind(kind),
            after=after_key,
            limit=page_size(first, info.context.settings),
            equals=equals,
            tag=tag,
            classification=uid(Kind.CLASSIFICATION, classification) if classification else None,
            parent=parent,
            count=selects(info, "totalCount"),
        )
        return connection(
            [(n.key, to_type(n)) for n in page.nodes],
            has_next=page.has_next,
            after=after_key,
            total=page.total,
        )

    @strawberry.field(
        description="Q1: the deployment, model version, training run and everything "
        "upstream of a prediction, to the raw sources, with owners."
    )
    async def prediction_trace(
        self, info: Info[Context, None], key: str, depth: int | None = None
    ) -> PredictionTrace | None:
        record = await info.context.loaders.node.load(uid(Kind.PREDICTION, key))
        if record is None:
            return None
        return await trace_model_version(
            info,
            model_version=record.props.get("model_version", ""),
            depth=depth,
            prediction=record,
            deployment=record.props.get("deployment", ""),
        )

    @strawberry.field(
        description="Q6: dataset versions (with hashes), commit, parameters and "
        "environment of the run that trained a model version."
    )
    async def reproducibility(
        self, info: Info[Context, None], model_version: str
    ) -> Reproducibility | None:
        return await reproducibility_of(info, model_version=model_version)

    @strawberry.field(description="Q8: what a person, team or service account owns (at a time).")
    async def owned_by(
        self,
        info: Info[Context, None],
        owner: strawberry.ID,
        include_teams: bool = False,
        as_of: datetime | None = None,
    ) -> list[Ownership]:
        split_uid(owner, path=["owner"])
        found = await questions.owned_by(
            info.context.graph,
            owner=owner,
            include_teams=include_teams,
            at=as_of or info.context.loaders.at,
        )
        return [Ownership.from_edge(owner=o.owner, target=o.target, edge=o.edge) for o in found]

    @strawberry.field(description="Q8: things with no owner now (or at asOf).")
    async def unowned(
        self,
        info: Info[Context, None],
        kinds: list[GqlKind] | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        as_of: datetime | None = None,
    ) -> Connection[CatalogNode]:
        chosen = [Kind(k) for k in kinds] if kinds else UNOWNED_DEFAULT
        graph, at, after_key = (
            info.context.graph,
            as_of or info.context.loaders.at,
            decode_cursor(after),
        )
        page = questions.unowned(
            graph,
            kinds=chosen,
            after=after_key,
            limit=page_size(first, info.context.settings),
            at=at,
        )
        total: int | None = None
        if selects(info, "totalCount"):  # the count alongside the page, not after it
            (found, more), total = await asyncio.gather(
                page, questions.unowned_count(graph, kinds=chosen, at=at)
            )
        else:
            found, more = await page
        items = [(n.uid, to_type(n)) for n in found]
        return connection(items, has_next=more, after=after_key, total=total)

    @strawberry.field(description="Q9: deployments serving now; see `serving` on each.")
    async def production_view(self, info: Info[Context, None]) -> list[Deployment]:
        found = await questions.production_view(info.context.graph, at=info.context.loaders.at)
        return [to_type(d) for d in found]  # type: ignore[misc]

    @strawberry.field(
        description="Q10: find entities by text (an exact key first, then keys starting "
        "with it, then every word in keys, names, descriptions or tags; docs/search.md) "
        "and/or by tag and classification."
    )
    async def search(
        self,
        info: Info[Context, None],
        text: str | None = None,
        kinds: list[GqlKind] | None = None,  # type: ignore[valid-type]
        tag: str | None = None,
        classification: str | None = None,
        first: int | None = None,
    ) -> list[SearchHit]:
        if not (text or tag or classification):
            raise BadInputError("give text, tag or classification", path=["text"])
        limit = min(
            page_size(first, info.context.settings), info.context.settings.max_search_results
        )
        words = lucene_query(text) if text else None
        hits = await questions.search(
            info.context.graph,
            words=words,
            key=search_key(text) if text else None,
            kinds=[Kind(k) for k in kinds] if kinds else SEARCHABLE,
            tag=tag,
            classification=uid(Kind.CLASSIFICATION, classification) if classification else None,
            limit=limit,
        )
        return [
            SearchHit(score=score, node=to_type(node), match=SearchMatch(match))
            for node, score, match in hits
        ]
