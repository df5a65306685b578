"""The OpenLineage facets the catalog validates, and where each may appear.

A facet named here is checked against its model when an event carries it (the bad field's
path is in the 400); any other facet is kept as it came, never validated. Required fields
follow the spec's facet schemas (https://openlineage.io/spec/facets/); fields of newer
facet versions are allowed. docs/openlineage.md lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.model import Kind, uid


class _Open(BaseModel):
    # OpenLineage objects may carry fields of newer spec versions: keep, never reject, them.
    model_config = ConfigDict(extra="allow")


# --- dataset facets -----------------------------------------------------------------------
class SchemaFieldFacet(_Open):
    name: str
    type: str | None = None
    description: str | None = None
    fields: list[SchemaFieldFacet] | None = None


class SchemaFacet(_Open):
    fields: list[SchemaFieldFacet] | None = None


class DataSourceFacet(_Open):
    name: str | None = None
    uri: str | None = None


class DocumentationFacet(_Open):
    description: str | None = None


class DatasetVersionFacet(_Open):
    datasetVersion: str | int | None = None


class Owner(_Open):
    name: str
    type: str | None = None


class OwnershipFacet(_Open):
    owners: list[Owner] | None = None


class ColumnTransformation(_Open):
    """How a column derives from an input column (spec 1-2-0: DIRECT/INDIRECT and a subtype
    such as IDENTITY, TRANSFORMATION, AGGREGATION, FILTER, JOIN)."""

    type: str
    subtype: str | None = None
    description: str | None = None
    masking: bool | None = None


class ColumnInputField(_Open):
    """An input column: the dataset (namespace, name) and the field it comes from."""

    namespace: str
    name: str
    field: str
    transformations: list[ColumnTransformation] | None = None


class ColumnLineageField(_Open):
    inputFields: list[ColumnInputField]
    transformationDescription: str | None = None
    transformationType: str | None = None


class ColumnLineageFacet(_Open):
    """`columnLineage` (1-2-0): each output column's input columns, and `dataset`, the input
    columns that affect the whole dataset (a filter, a join key)."""

    fields: dict[str, ColumnLineageField]
    dataset: list[ColumnInputField] | None = None


class SymlinkIdentifier(_Open):
    namespace: str
    name: str
    type: str


class SymlinksFacet(_Open):
    identifiers: list[SymlinkIdentifier] | None = None


class StorageFacet(_Open):
    storageLayer: str
    fileFormat: str | None = None


class PreviousIdentifier(_Open):
    namespace: str
    name: str


class LifecycleStateChangeFacet(_Open):
    lifecycleStateChange: Literal[
        "ALTER", "CREATE", "DROP", "OVERWRITE", "RENAME", "TRUNCATE"
    ]  # fmt: skip
    previousIdentifier: PreviousIdentifier | None = None


# --- input and output dataset facets ------------------------------------------------------
# Data-quality values become observations (docs/openlineage.md, "Data quality"): a count
# is a non-negative integer, any other metric a finite number.
Count = Annotated[int, Field(ge=0)]
Number = Annotated[float, Field(allow_inf_nan=False)]
Scalar = str | bool | int | float


class Assertion(_Open):
    """One check of `dataQualityAssertions` (1-1-0 adds severity, failures, properties);
    `expected` and `actual`, which the spec leaves to producers, are read from the
    assertion or its `properties`."""

    assertion: str = Field(min_length=1)
    success: bool
    column: str | None = None
    severity: str | None = None
    failures: Count | None = None
    properties: dict[str, Any] | None = None
    expected: Scalar | None = None
    actual: Scalar | None = None


class DataQualityAssertionsFacet(_Open):
    assertions: list[Assertion]


class ColumnMetrics(_Open):
    nullCount: Count | None = None
    distinctCount: Count | None = None
    sum: Number | None = None
    count: Number | None = Field(default=None, ge=0)
    min: Number | None = None
    max: Number | None = None
    quantiles: dict[str, Number] | None = None


class DataQualityMetricsFacet(_Open):
    # The spec requires columnMetrics; producers that send only counts are common, so they
    # are accepted, and the columns' metrics are checked when given.
    columnMetrics: dict[str, ColumnMetrics] | None = None
    rowCount: Count | None = None
    bytes: Count | None = None
    fileCount: Count | None = None


class OutputStatisticsFacet(_Open):
    rowCount: int | None = None
    size: int | None = None


# --- job facets ---------------------------------------------------------------------------
class SqlFacet(_Open):
    query: str | None = None


class SourceCodeLocationFacet(_Open):
    type: str | None = None
    url: str | None = None
    repoUrl: str | None = None
    path: str | None = None
    version: str | None = None
    tag: str | None = None
    branch: str | None = None


class JobTypeFacet(_Open):
    processingType: str
    integration: str
    jobType: str | None = None


# --- run facets ---------------------------------------------------------------------------
class ParentRun(_Open):
    runId: str


class ParentJob(_Open):
    namespace: str
    name: str


class ParentRunFacet(_Open):
    run: ParentRun
    job: ParentJob | None = None


class ErrorMessageFacet(_Open):
    message: str | None = None


class NominalTimeFacet(_Open):
    nominalStartTime: datetime
    nominalEndTime: datetime | None = None


class ProcessingEngineFacet(_Open):
    version: str
    name: str | None = None
    openlineageAdapterVersion: str | None = None


class RunTest(_Open):
    """One test of the `test` run facet (TestRunFacet 1-0-0): `status` pass, fail or skip."""

    name: str = Field(min_length=1)
    status: str = Field(min_length=1)
    severity: str | None = None
    type: str | None = None
    description: str | None = None
    expected: Scalar | None = None
    actual: Scalar | None = None
    content: str | None = None
    contentType: str | None = None
    params: dict[str, Any] | None = None


class RunTestsFacet(_Open):
    tests: list[RunTest]


FacetModel = type[_Open]
DATASET_FACETS: dict[str, FacetModel] = {
    "schema": SchemaFacet,
    "dataSource": DataSourceFacet,
    "documentation": DocumentationFacet,
    "version": DatasetVersionFacet,
    "ownership": OwnershipFacet,
    "columnLineage": ColumnLineageFacet,
    "symlinks": SymlinksFacet,
    "storage": StorageFacet,
    "lifecycleStateChange": LifecycleStateChangeFacet,
}
INPUT_FACETS: dict[str, FacetModel] = {
    "dataQualityAssertions": DataQualityAssertionsFacet,
    "dataQualityMetrics": DataQualityMetricsFacet,
}
OUTPUT_FACETS: dict[str, FacetModel] = {"outputStatistics": OutputStatisticsFacet}
JOB_FACETS: dict[str, FacetModel] = {
    "documentation": DocumentationFacet,
    "sql": SqlFacet,
    "sourceCodeLocation": SourceCodeLocationFacet,
    "ownership": OwnershipFacet,
    "jobType": JobTypeFacet,
}
RUN_FACETS: dict[str, FacetModel] = {
    "parent": ParentRunFacet,
    "errorMessage": ErrorMessageFacet,
    "nominalTime": NominalTimeFacet,
    "processing_engine": ProcessingEngineFacet,
    "test": RunTestsFacet,
}
# Facets that describe one version of a dataset rather than the dataset as a whole.
VERSION_FACETS = frozenset({"schema", "columnLineage", "version"})


M = TypeVar("M", bound=_Open)


def facet(facets: Mapping[str, Any], name: str, model: type[M]) -> M | None:
    """The facet `name` as model, or None when absent or not of that shape."""
    value = facets.get(name)
    if not isinstance(value, dict):
        return None
    try:
        return model.model_validate(value)
    except ValidationError:
        return None  # stored before this facet was validated: ignore rather than fail


def column_lineage(facets: Mapping[str, Any]) -> ColumnLineageFacet | None:
    """A version's `columnLineage` facet, typed (None when it has none); stored as it came,
    in the version's `facets` and, without `_` fields, its `column_lineage`."""
    return facet(facets, "columnLineage", ColumnLineageFacet)


def column_input_datasets(facets: Mapping[str, Any]) -> list[str] | None:
    """The uids of the Datasets a version's `columnLineage` facet names (its columns' and
    the dataset-wide inputs), sorted; None without the facet. Stored on the version, so that
    a column lineage walk finds the input datasets in Cypher (graph/queries/columns)."""
    from lineage_catalog.ingest.openlineage import entity_key  # imports this module

    found = column_lineage(facets)
    if found is None:
        return None
    given = [i for f in found.fields.values() for i in f.inputFields] + (found.dataset or [])
    uids: set[str] = set()
    for item in given:
        try:
            uids.add(uid(Kind.DATASET, entity_key(item.namespace, item.name, path=["name"])))
        except BadInputError:
            continue  # not a name the catalog can hold: no dataset to walk to
    return sorted(uids)


def derived_props(kind: Kind, facets: Mapping[str, Any]) -> dict[str, Any]:
    """The properties of a node of `kind` that the catalog reads from its facets."""
    if kind is Kind.RUN:
        parent = facet(facets, "parent", ParentRunFacet)
        error = facet(facets, "errorMessage", ErrorMessageFacet)
        return {
            "parent_run": parent.run.runId if parent else None,
            "error": error.message if error else None,
        }
    if kind is Kind.JOB:
        docs = facet(facets, "documentation", DocumentationFacet)
        sql = facet(facets, "sql", SqlFacet)
        code = facets.get("sourceCodeLocation")
        return {
            "description": docs.description if docs else None,
            "sql": sql.query if sql else None,
            "source_code": _without_meta(code) if isinstance(code, dict) else None,
        }
    if kind is Kind.DATASET:
        docs = facet(facets, "documentation", DocumentationFacet)
        source = facet(facets, "dataSource", DataSourceFacet)
        owners = facets.get("ownership")
        return {
            "description": docs.description if docs else None,
            "platform": source.name if source else None,
            "location": source.uri if source else None,
            "ownership": _without_meta(owners) if isinstance(owners, dict) else None,
        }
    if kind is Kind.DATASET_VERSION:
        schema = facet(facets, "schema", SchemaFacet)
        columns = facets.get("columnLineage")
        stats = facet(facets, "outputStatistics", OutputStatisticsFacet)
        return {
            "schema": _flatten(schema.fields or [], prefix="") if schema else None,
            "column_lineage": _without_meta(columns) if isinstance(columns, dict) else None,
            "column_inputs": column_input_datasets(facets),
            "row_count": stats.rowCount if stats else None,
        }
    return {}


def _without_meta(facet: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def _flatten(fields: list[SchemaFieldFacet], *, prefix: str) -> list[dict[str, Any]]:
    # Nested (struct) fields become dotted names, the form GraphQL's schema list can show.
    flat: list[dict[str, Any]] = []
    for f in fields:
        name = prefix + f.name
        flat.append({"name": name, "type": f.type, "description": f.description})
        flat.extend(_flatten(f.fields or [], prefix=name + "."))
    return flat
