"""Column profiles of a pyarrow Table or a Parquet file, computed with pyarrow.compute (no
pandas), in the shape `record_profile` sends (the API's ColumnProfileInput); the catalog
then computes drift against a monitor's reference profile (docs/sdk.md, "Profiles").

Needs pyarrow (`pip install "lineage-catalog-client[bulk]"`). The rules, so that a profile
computed here and its reference agree bin for bin:

- **nulls**: Arrow nulls, and for floating point columns NaN and the infinities (not
  values a histogram or min/max can hold);
- **numbers** (integers, floats, decimals) get `min`, `max` and a histogram over fixed
  `binEdges`: the edges given for the column, else the reference profile's edges for that
  column (so the bins align, as drift requires), else `bins` equal-width bins between the
  column's min and max. A value v is in bin i when edges[i] <= v < edges[i+1]; the last bin
  also holds its upper edge. A value below the first edge counts in the first bin, one
  above the last edge in the last bin (the counts must add up to count - nulls; min and
  max still show the real range);
- **strings** and booleans get `categories` (value counts; booleans as "true"/"false");
  beyond `max_categories`, the least frequent are counted together under `other`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ColumnProfile = dict[str, Any]
MAX_CATEGORIES = 1000  # the catalog's limit per column
OTHER = "(other)"

__all__ = ["MAX_CATEGORIES", "OTHER", "profile_parquet", "profile_table"]


def profile_table(
    table: pa.Table,
    *,
    columns: Sequence[str] | None = None,
    bin_edges: Mapping[str, Sequence[float]] | None = None,
    reference: Sequence[Mapping[str, Any]] | None = None,
    bins: int = 10,
    max_categories: int = MAX_CATEGORIES,
    other: str = OTHER,
) -> list[ColumnProfile]:
    """The profile of each of `columns` (default: every number, string and boolean column
    of the table), as ColumnProfileInput objects for `record_profile`. `bin_edges` gives a
    numeric column's edges; else `reference` (a profile, e.g. an earlier result of this
    function) lends the same column's; else `bins` equal-width bins."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    if max_categories < 1:
        raise ValueError("max_categories must be at least 1")
    given = dict(bin_edges or {})
    lent = {c["name"]: c for c in reference or ()}
    names = list(columns) if columns is not None else _profilable(table.schema)
    found = []
    for name in names:
        if name not in table.column_names:
            raise ValueError(f"no column {name!r} in the table")
        column = table.column(name)
        kind = _kind(column.type)
        if kind is None:
            raise ValueError(f"column {name!r} is {column.type}: not a number, string or boolean")
        if kind == "number":
            edges = given.get(name)
            if edges is None and lent.get(name, {}).get("binEdges") is not None:
                edges = lent[name]["binEdges"]
            found.append(_numbers(name, column, edges=edges, bins=bins))
        else:
            found.append(_categories(name, column, limit=max_categories, other=other))
    return found


def profile_parquet(
    path: str | Path, *, columns: Sequence[str] | None = None, **options: Any
) -> list[ColumnProfile]:
    """profile_table of a Parquet file, reading only the columns profiled."""
    if columns is None:
        columns = _profilable(pq.read_schema(path))
    return profile_table(pq.read_table(path, columns=list(columns)), columns=columns, **options)


def _kind(t: pa.DataType) -> str | None:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_boolean(t):
        return "category"
    if pa.types.is_string_view(t):
        return "category"
    return None


def _profilable(schema: pa.Schema) -> list[str]:
    return [f.name for f in schema if _kind(f.type) is not None]


def _decoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        return pc.cast(column, column.type.value_type)
    return column


def _numbers(
    name: str, column: pa.ChunkedArray, *, edges: Sequence[float] | None, bins: int
) -> ColumnProfile:
    values = pc.cast(_decoded(column), pa.float64())
    # Nulls, NaN and the infinities are dropped: is_finite is null for a null, and filter
    # drops the rows whose mask is null.
    kept = pc.filter(values, pc.is_finite(values))
    filled = len(kept)
    low = high = None
    if filled:
        extremes = pc.min_max(kept)
        low, high = float(extremes["min"].as_py()), float(extremes["max"].as_py())
    if edges is None:
        edges = _equal_width(low, high, bins)
    edges = [float(e) for e in edges]
    if len(edges) < 2 or any(b <= a for a, b in pairwise(edges)):
        raise ValueError(f"the bin edges of {name!r} must be at least two, increasing")
    # below[j]: values under the j-th inner edge; the bins are the differences, the first
    # taking what lies under the first edge, the last what lies above the last edge.
    below = [int(pc.sum(pc.less(kept, e)).as_py() or 0) for e in edges[1:-1]]
    bounds = [0, *below, filled]
    counts = [bounds[i + 1] - bounds[i] for i in range(len(edges) - 1)]
    return {
        "name": name, "count": len(column), "nulls": len(column) - filled, "min": low,
        "max": high, "binEdges": edges, "binCounts": counts,
    }  # fmt: skip


def _equal_width(low: float | None, high: float | None, bins: int) -> list[float]:
    if low is None or high is None:
        return [0.0, 1.0]  # no value to place: one empty bin
    if low == high:
        low, high = low - 0.5, high + 0.5
    return [low + (high - low) * i / bins for i in range(bins)] + [high]


def _categories(name: str, column: pa.ChunkedArray, *, limit: int, other: str) -> ColumnProfile:
    values = _decoded(column)
    if pa.types.is_boolean(values.type):
        values = pc.cast(values, pa.string())  # "true" / "false"
    counted = pc.value_counts(values.drop_null())
    pairs = sorted(
        ((str(v), int(c)) for v, c in zip(
            counted.field("values").to_pylist(), counted.field("counts").to_pylist(),
            strict=True)),
        key=lambda p: (-p[1], p[0]),
    )  # fmt: skip
    if len(pairs) > limit:
        # The tail folded into `other` (added to a category of that name if it is kept).
        kept, rest = dict(pairs[: limit - 1]), sum(c for _, c in pairs[limit - 1 :])
        kept[other] = kept.get(other, 0) + rest
        pairs = list(kept.items())
    return {
        "name": name, "count": len(column), "nulls": column.null_count,
        "categories": [{"value": v, "count": c} for v, c in pairs],
    }  # fmt: skip
