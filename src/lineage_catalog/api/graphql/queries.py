"""The Query root: lookups by key, lists, and the catalog's questions (Q1, Q6, Q8, Q9, Q10)."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from lineage_catalog.api.graphql.arguments import (
    After,
    AsOf,
    Depth,
    First,
    ModelVersionKey,
    NodeId,
    key_argument,
)
from lineage_catalog.api.graphql.context import Context
from lineage_catalog.api.graphql.enums import described_enum
from lineage_catalog.api.graphql.pagination import (
    Connection,
    connection,
    decode_cursor,
    page_size,
    selects,
)
from lineage_catalog.api.graphql.trace import find_trace
from lineage_catalog.api.graphql.types import (
    PAGE_LAYOUTS,
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
from lineage_catalog.store.trace import Trace

if TYPE_CHECKING:
    from lineage_catalog.api.graphql.monitoring import Incident
_Incident = Annotated["Incident", strawberry.lazy("lineage_catalog.api.graphql.monitoring")]

GqlKind = described_enum(
    Kind,
    name="NodeKind",
    description="The kinds of catalog node; each id starts with the kind's name (`Dataset:`).",
    values={
        Kind.PERSON: "A person (key: email address).",
        Kind.TEAM: "A team of people.",
        Kind.SERVICE_ACCOUNT: "An automated actor: scheduler, CI, monitor.",
        Kind.DATASET: "A dataset, whose contents come in versions.",
        Kind.DATASET_VERSION: "One version of a dataset (key `<dataset>@<version>`).",
        Kind.FEATURE: "A model input computed from data.",
        Kind.CODE_COMMIT: "A commit of code a run executed (key `<repo>@<sha>`).",
        Kind.JOB: "A pipeline step whose executions are runs.",
        Kind.RUN: "One execution of a job.",
        Kind.MODEL: "A model, whose trained versions are model versions.",
        Kind.MODEL_VERSION: "One trained version of a model (key `<model>@<version>`).",
        Kind.DEPLOYMENT: "Where model versions serve (key `<environment>/<name>`).",
        Kind.PREDICTION: "One prediction made by a deployment and a model version.",
        Kind.EVALUATION: "Metrics of a model version from an evaluation run.",
        Kind.CLASSIFICATION: "A class of data such as PII.",
    },
)
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
    record = await info.context.loaders.node_and_named.load(uid(kind, key))
    return to_type(record) if record else None


@strawberry.type(
    description="One lineage relationship between two nodes, as stored: the edge of a "
    "prediction trace (Q1) and of the `lineage` subgraph."
)
class LineageEdge:
    type: str = strawberry.field(
        description="The relationship: USED (run -> entity version it read), GENERATED "
        "(run -> entity version it wrote) or EXECUTED (run -> code commit it ran); in "
        "entity-level lineage, INPUT (dataset -> job whose runs read it) or OUTPUT (job -> "
        "dataset its runs wrote)."
    )
    source: strawberry.ID = strawberry.field(description="Id of the node the edge starts at.")
    target: strawberry.ID = strawberry.field(description="Id of the node the edge points to.")


@strawberry.type(
    description="Q1: from a prediction (or a model version) to everything that produced it."
)
class PredictionTrace:
    prediction: Prediction | None = strawberry.field(
        description="The prediction traced; null when the trace starts at a model version."
    )
    deployment: Deployment | None = strawberry.field(
        description="The deployment that made the prediction; null without a prediction."
    )
    model_version: ModelVersion | None = strawberry.field(
        description="The model version that made the prediction (or the version traced)."
    )
    training_run: Run | None = strawberry.field(
        description="The run that GENERATED the model version; null if none is recorded."
    )
    runs: list[Run] = strawberry.field(
        description="Every run upstream, the training run included, to `depth` run levels."
    )
    dataset_versions: list[DatasetVersion] = strawberry.field(
        description="Every dataset version upstream, down to the raw sources (those no run "
        "generated), with content hashes."
    )
    features: list[Feature] = strawberry.field(description="Every feature upstream.")
    code_commits: list[CodeCommit] = strawberry.field(
        description="The commits the upstream runs executed."
    )
    upstream_model_versions: list[ModelVersion] = strawberry.field(
        description="Other model versions upstream (one model's output used by another)."
    )
    edges: list[LineageEdge] = strawberry.field(
        description="The lineage edges among all of these (USED, GENERATED, EXECUTED)."
    )

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

    @strawberry.field(
        description="The incidents open at the prediction's time (opened at or before it, "
        "not closed by then) about its deployment, its model version or anything upstream "
        "(an incident about a dataset counts for each of its versions), newest opened "
        "first; for a trace from a model version, those open now. One statement."
    )
    async def incidents(self, info: Info[Context, None]) -> list[_Incident]:
        from lineage_catalog.api.graphql.monitoring_reads import trace_incidents

        return await trace_incidents(info, self)


@strawberry.type(description="Q6: what it takes to rebuild a model version.")
class Reproducibility:
    model_version: ModelVersion = strawberry.field(description="The model version asked about.")
    training_run: Run | None = strawberry.field(
        description="The run that GENERATED it; null if none is recorded (then everything "
        "below is empty or null)."
    )
    code_commit: CodeCommit | None = strawberry.field(
        description="The commit the training run executed."
    )
    dataset_versions: list[DatasetVersion] = strawberry.field(
        description="The exact dataset versions the training run USED, with content hashes."
    )
    features: list[Feature] = strawberry.field(description="The features the training run USED.")
    parameters: strawberry.scalars.JSON | None = strawberry.field(
        description="The training run's parameters (a JSON object)."
    )
    environment: strawberry.scalars.JSON | None = strawberry.field(
        description="The training run's environment: interpreter, image, package versions."
    )


@strawberry.enum(description="How a search hit matched, best first.")
class SearchMatch(Enum):
    KEY = strawberry.enum_value("KEY", description="The text is the node's key exactly.")
    KEY_PREFIX = strawberry.enum_value(
        "KEY_PREFIX", description="The node's key starts with the text."
    )
    WORDS = strawberry.enum_value(
        "WORDS",
        description="Every word of the text starts a word of the key, name, description or tags.",
    )
    FILTERS = strawberry.enum_value(
        "FILTERS", description="No text was given: the tag and classification filters matched."
    )


@strawberry.type(description="One search result: the node, how it matched and its score.")
class SearchHit:
    score: float = strawberry.field(
        description="Higher is better; hits come in score order. With text: 2 or more for "
        "an exact key, 1 to 2 for a key prefix, below 1 for words only; 1 with filters only."
    )
    node: CatalogNode = strawberry.field(description="The node found.")
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
) -> PredictionTrace:
    """Everything upstream of a model version, as a trace with owners (one statement)."""
    found = await find_trace(info, model_version=uid(Kind.MODEL_VERSION, model_version),
                             depth=depth)  # fmt: skip
    return _trace_of(found)


def _trace_of(found: Trace) -> PredictionTrace:
    up, mv, dep = found.upstream, found.model_version, found.deployment
    training = (
        [e.source for e in up.edges if e.type == Rel.GENERATED and e.target == mv.uid]
        if mv else []
    )  # fmt: skip
    return PredictionTrace(
        prediction=to_type(found.prediction) if found.prediction else None,  # type: ignore[arg-type]
        deployment=to_type(dep) if dep else None,  # type: ignore[arg-type]
        model_version=to_type(mv) if mv else None,  # type: ignore[arg-type]
        training_run=to_type(found.nodes[training[0]]) if training else None,  # type: ignore[arg-type]
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
    @strawberry.field(
        description="Any node by id `<Kind>:<key>`; null if there is none. A malformed id is "
        "BAD_USER_INPUT."
    )
    async def node(self, info: Info[Context, None], id: NodeId) -> CatalogNode | None:
        split_uid(id)
        record = await info.context.loaders.node_and_named.load(id)
        return to_type(record) if record else None

    @strawberry.field(
        description="A person by email address (matched in lower case); null if the catalog has "
        "none."
    )
    async def person(
        self,
        info: Info[Context, None],
        email: Annotated[
            str,
            strawberry.argument(
                description="The email address, e.g. maya.chen@acme.example; any case."
            ),
        ],
    ) -> Person | None:
        return await _by_key(info, Kind.PERSON, email.lower())  # type: ignore[no-any-return]

    @strawberry.field(description="A team by key; null if there is none.")
    async def team(
        self, info: Info[Context, None], key: Annotated[str, key_argument("team", "risk-ml")]
    ) -> Team | None:
        return await _by_key(info, Kind.TEAM, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A dataset by key, with its versions, owners and classifications; null if "
        "there is none."
    )
    async def dataset(
        self, info: Info[Context, None], key: Annotated[str, key_argument("dataset", "loans-raw")]
    ) -> Dataset | None:
        return await _by_key(info, Kind.DATASET, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A dataset version by key `<dataset>@<version>`; null if there is none."
    )
    async def dataset_version(
        self,
        info: Info[Context, None],
        key: Annotated[str, key_argument("dataset version", "loans-raw@2026-09-01")],
    ) -> DatasetVersion | None:
        return await _by_key(info, Kind.DATASET_VERSION, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A feature by key, with the run that computed it; null if there is none."
    )
    async def feature(
        self,
        info: Info[Context, None],
        key: Annotated[str, key_argument("feature", "credit.debt_to_income")],
    ) -> Feature | None:
        return await _by_key(info, Kind.FEATURE, key)  # type: ignore[no-any-return]

    @strawberry.field(description="A code commit by key `<repo>@<sha>`; null if there is none.")
    async def code_commit(
        self,
        info: Info[Context, None],
        key: Annotated[str, key_argument("commit", "acme/credit-risk@<sha>")],
    ) -> CodeCommit | None:
        return await _by_key(info, Kind.CODE_COMMIT, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A job by key, with its runs (newest first), SQL, code location and the "
        "datasets its runs read and wrote; null if there is none."
    )
    async def job(
        self,
        info: Info[Context, None],
        key: Annotated[str, key_argument("job", "credit-risk.train")],
    ) -> Job | None:
        return await _by_key(info, Kind.JOB, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A run by its run id, with what it used and generated; null if there is none."
    )
    async def run(
        self,
        info: Info[Context, None],
        key: Annotated[
            str,
            strawberry.argument(
                description="The run id (the run's key), e.g. an OpenLineage runId. Exact "
                "match; an unknown id answers null."
            ),
        ],
    ) -> Run | None:
        return await _by_key(info, Kind.RUN, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A model by key, with its versions and owners; null if there is none."
    )
    async def model(
        self, info: Info[Context, None], key: Annotated[str, key_argument("model", "credit-risk")]
    ) -> Model | None:
        return await _by_key(info, Kind.MODEL, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A model version by key `<model>@<version>`; null if there is none."
    )
    async def model_version(
        self,
        info: Info[Context, None],
        key: Annotated[str, key_argument("model version", "credit-risk@2")],
    ) -> ModelVersion | None:
        return await _by_key(info, Kind.MODEL_VERSION, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A deployment by key `<environment>/<name>`, with what it serves now and "
        "its serving history; null if there is none."
    )
    async def deployment(
        self,
        info: Info[Context, None],
        key: Annotated[str, key_argument("deployment", "prod/credit-risk-api")],
    ) -> Deployment | None:
        return await _by_key(info, Kind.DEPLOYMENT, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A prediction by key, with the deployment and model version that made it; "
        "predictionTrace gives its whole lineage. Null if there is none."
    )
    async def prediction(
        self,
        info: Info[Context, None],
        key: Annotated[str, key_argument("prediction", "pred-00000042")],
    ) -> Prediction | None:
        return await _by_key(info, Kind.PREDICTION, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="An evaluation by key, with the run that made it; null if there is none."
    )
    async def evaluation(
        self,
        info: Info[Context, None],
        key: Annotated[str, key_argument("evaluation", "eval-credit-risk-2-1")],
    ) -> Evaluation | None:
        return await _by_key(info, Kind.EVALUATION, key)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Nodes of one kind in key order. Filters: tag, classification, parent "
        "(versions of a Dataset/Model, runs of a Job, by id), stage, runKind."
    )
    async def nodes(
        self,
        info: Info[Context, None],
        kind: Annotated[
            GqlKind,  # type: ignore[valid-type]
            strawberry.argument(description="The kind of node to list."),
        ],
        first: First = None,
        after: After = None,
        tag: Annotated[
            str | None, strawberry.argument(description="Only nodes with this tag (exact).")
        ] = None,
        classification: Annotated[
            str | None,
            strawberry.argument(
                description="Only nodes classified as this, by its key (e.g. PII); set on the "
                "node itself, not inherited."
            ),
        ] = None,
        parent: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only children of this node, by id: versions of a Dataset or "
                "Model, runs of a Job."
            ),
        ] = None,
        stage: Annotated[
            str | None,
            strawberry.argument(description="Model versions only: registered, staging, ..."),
        ] = None,
        run_kind: Annotated[
            str | None,
            strawberry.argument(description="Runs only: transformation, training, ..."),
        ] = None,
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
            layout=PAGE_LAYOUTS[Kind(kind)],
        )
        return connection(
            [(n.key, to_type(n)) for n in page.nodes],
            has_next=page.has_next,
            after=after_key,
            total=page.total,
        )

    @strawberry.field(
        description="Q1: the deployment, model version, training run and everything "
        "upstream of a prediction, to the raw sources, with owners. One traversal however "
        "deep; null for an unknown prediction."
    )
    async def prediction_trace(
        self,
        info: Info[Context, None],
        key: Annotated[str, key_argument("prediction", "pred-00000042")],
        depth: Depth = None,
    ) -> PredictionTrace | None:
        found = await find_trace(info, prediction=uid(Kind.PREDICTION, key), depth=depth)
        return _trace_of(found) if found.prediction else None

    @strawberry.field(
        description="Q6: dataset versions (with hashes), commit, parameters and "
        "environment of the run that trained a model version; null for an unknown version."
    )
    async def reproducibility(
        self, info: Info[Context, None], model_version: ModelVersionKey
    ) -> Reproducibility | None:
        return await reproducibility_of(info, model_version=model_version)

    @strawberry.field(description="Q8: what a person, team or service account owns (at a time).")
    async def owned_by(
        self,
        info: Info[Context, None],
        owner: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The owner's id: Person:<email>, Team:<key> or ServiceAccount:<key>."
            ),
        ],
        include_teams: Annotated[
            bool,
            strawberry.argument(
                description="For a person: also what their teams own. Default false."
            ),
        ] = False,
        as_of: AsOf = None,
    ) -> list[Ownership]:
        split_uid(owner, path=["owner"])
        found = await questions.owned_by(
            info.context.graph,
            owner=owner,
            include_teams=include_teams,
            at=as_of or info.context.loaders.at,
        )
        return [Ownership.from_edge(owner=o.owner, target=o.target, edge=o.edge) for o in found]

    @strawberry.field(
        description="Q8: things with no owner now (or at asOf), in id order. A version "
        "with an owner of its own or of its dataset or model counts as owned."
    )
    async def unowned(
        self,
        info: Info[Context, None],
        kinds: Annotated[
            list[GqlKind] | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Kinds to look at; null: DATASET, FEATURE, JOB, MODEL, DEPLOYMENT."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        as_of: AsOf = None,
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

    @strawberry.field(
        description="Q9: every deployment serving something now; `serving` on each "
        "gives the model versions with their roles and traffic shares."
    )
    async def production_view(self, info: Info[Context, None]) -> list[Deployment]:
        found = await questions.production_view(info.context.graph, at=info.context.loaders.at)
        return [to_type(d) for d in found]  # type: ignore[misc]

    @strawberry.field(
        description="Q10: find entities by text (an exact key first, then keys starting "
        "with it, then every word in keys, names, descriptions or tags; docs/search.md) "
        "and/or by tag and classification. Give at least one of text, tag or classification."
    )
    async def search(
        self,
        info: Info[Context, None],
        text: Annotated[
            str | None,
            strawberry.argument(
                description="Words or a key: 1 to 20 words, at most 500 characters; "
                "punctuation separates words and is never search syntax."
            ),
        ] = None,
        kinds: Annotated[
            list[GqlKind] | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Kinds to search; null: all but PREDICTION, RUN and EVALUATION."
            ),
        ] = None,
        tag: Annotated[
            str | None, strawberry.argument(description="Only nodes with this tag (exact).")
        ] = None,
        classification: Annotated[
            str | None,
            strawberry.argument(description="Only nodes classified as this key (e.g. PII)."),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(
                description="How many hits: 1 to LINEAGE_MAX_PAGE_SIZE, capped at "
                "LINEAGE_MAX_SEARCH_RESULTS (default 100); null: LINEAGE_DEFAULT_PAGE_SIZE."
            ),
        ] = None,
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
