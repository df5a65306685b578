"""Column-level lineage: columns of dataset versions, the edges between them with their
OpenLineage transformations, and the rule that decides whether a classification flows
along an edge. Plain values; docs/governance.md states the rule."""

from __future__ import annotations

from dataclasses import dataclass, field

# The transformation (type or subtype, spec 1-2-0) whose output no longer holds the values.
AGGREGATION = "AGGREGATION"


@dataclass(frozen=True, slots=True, order=True)
class ColumnRef:
    """A column of a dataset version: the version's uid and the column's name."""

    version: str
    column: str

    @property
    def id(self) -> str:
        """`<version uid>#<column>`, e.g. DatasetVersion:ns/users@1#email."""
        return f"{self.version}#{self.column}"


@dataclass(frozen=True, slots=True)
class Transformation:
    """How a column derives from an input column, as the facet says (spec 1-2-0)."""

    type: str
    subtype: str | None = None
    description: str | None = None
    masking: bool = False

    @property
    def blocks(self) -> bool:
        """Whether the output no longer carries the input's values: masked or aggregated."""
        return self.masking or AGGREGATION in (self.type.upper(), (self.subtype or "").upper())


@dataclass(frozen=True, slots=True, order=True)
class ColumnEdge:
    """`source` (an input column) feeds `target`. `dataset_wide`: the input is in the
    facet's dataset-wide list (a filter or join key), which affects every column."""

    source: ColumnRef
    target: ColumnRef
    transformations: tuple[Transformation, ...] = field(default=(), compare=False)
    dataset_wide: bool = False

    @property
    def blocks(self) -> bool:
        """Whether classifications stop here: every transformation given masks or
        aggregates (an edge without transformations carries them, as a copy would)."""
        return bool(self.transformations) and all(t.blocks for t in self.transformations)


@dataclass(frozen=True, slots=True)
class ColumnGraph:
    """Columns around a start column and the edges among them (sorted)."""

    start: ColumnRef
    nodes: list[ColumnRef]
    edges: list[ColumnEdge]


@dataclass(frozen=True, slots=True)
class HeldClassification:
    """A classification that holds for `column`: set on that column (`set_on` its version,
    `on_column` True) or on its version or dataset (`set_on` that node)."""

    classification: str
    column: ColumnRef
    set_on: str
    on_column: bool


@dataclass(frozen=True, slots=True)
class ColumnClassification:
    """A classification reaching the start column from where it holds, along `path` (start
    first, holder last); `blocked_by` the first edge from the holder's side that masks or
    aggregates, when every path is blocked (None: inherited)."""

    held: HeldClassification
    path: list[ColumnRef]
    blocked_by: ColumnEdge | None = None
