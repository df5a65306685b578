"""Profiles and the drift the catalog computes between them (docs/monitoring.md, "Drift").

A column profile summarises one column: counts, nulls, min/max and either a histogram
over fixed bin edges (numbers) or counts per category (strings). Drift compares the
non-null values of a column with the same column of a reference profile, over bins
aligned with the reference's:

- numbers: the bin edges must equal the reference's, edge for edge;
- categories: the union of both profiles' categories, a category absent from one
  counting 0 there.

With reference counts r_i (sum R) and current counts c_i (sum C) over k aligned bins:

- PSI = sum_i (q_i - p_i) * ln(q_i / p_i), where p_i = (r_i + 0.5) / (R + 0.5 k) and
  q_i = (c_i + 0.5) / (C + 0.5 k): half a count added to every bin (Jeffreys smoothing)
  keeps an empty bin finite;
- JS distance = sqrt(JSD), JSD = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2, with
  p_i = r_i / R, q_i = c_i / C, logarithms base 2 (so 0 <= JS <= 1) and 0 log 0 = 0.

Pure: the SDK may compute the same numbers with these functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lineage_catalog.domain.errors import BadInputError
from lineage_catalog.domain.monitoring import DriftMetric, finite

Path = list[str | int]
SMOOTHING = 0.5
MAX_BINS = 1000
MAX_COLUMNS = 1000


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """One column's summary; exactly one of bin_edges (with bin_counts) or categories."""

    name: str
    count: int
    nulls: int = 0
    min: float | None = None
    max: float | None = None
    bin_edges: tuple[float, ...] | None = None
    bin_counts: tuple[int, ...] | None = None
    categories: Mapping[str, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "count": self.count, "nulls": self.nulls, "min": self.min,
            "max": self.max,
            "bin_edges": None if self.bin_edges is None else list(self.bin_edges),
            "bin_counts": None if self.bin_counts is None else list(self.bin_counts),
            "categories": None if self.categories is None else dict(self.categories),
        }  # fmt: skip

    @staticmethod
    def from_dict(raw: Mapping[str, Any]) -> ColumnProfile:
        edges, counts, cats = raw.get("bin_edges"), raw.get("bin_counts"), raw.get("categories")
        return ColumnProfile(
            name=raw["name"], count=int(raw["count"]), nulls=int(raw.get("nulls") or 0),
            min=raw.get("min"), max=raw.get("max"),
            bin_edges=None if edges is None else tuple(float(e) for e in edges),
            bin_counts=None if counts is None else tuple(int(c) for c in counts),
            categories=None if cats is None else {str(k): int(v) for k, v in cats.items()},
        )  # fmt: skip


def _count(value: Any, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInputError(f"expected a non-negative integer, got {value!r}", path=path)
    return value


def column_profile(
    *, name: str, count: Any, nulls: Any = 0, min: Any = None, max: Any = None,
    bin_edges: Sequence[Any] | None = None, bin_counts: Sequence[Any] | None = None,
    categories: Mapping[str, Any] | None = None, path: Path,
) -> ColumnProfile:  # fmt: skip
    """A column profile whose counts add up: the histogram's (or the categories') counts sum
    to count - nulls; bin edges finite and strictly increasing."""
    if not name.strip():
        raise BadInputError("a column needs a name", path=[*path, "name"])
    total = _count(count, [*path, "count"])
    missing = _count(nulls or 0, [*path, "nulls"])
    if missing > total:
        raise BadInputError("more nulls than values", path=[*path, "nulls"])
    low = None if min is None else finite(min, path=[*path, "min"])
    high = None if max is None else finite(max, path=[*path, "max"])
    if low is not None and high is not None and high < low:
        raise BadInputError("max is below min", path=[*path, "max"])
    if (bin_edges is None) != (bin_counts is None):
        raise BadInputError("binEdges and binCounts come together", path=[*path, "binCounts"])
    if bin_edges is not None and categories is not None:
        raise BadInputError(
            "a column has a histogram (numbers) or categories (strings), not both",
            path=[*path, "categories"],
        )
    edges = counts = None
    filled = total - missing
    if bin_edges is not None and bin_counts is not None:
        edges = tuple(finite(e, path=[*path, "binEdges", i]) for i, e in enumerate(bin_edges))
        if not 2 <= len(edges) <= MAX_BINS + 1:
            raise BadInputError(
                f"a histogram has 1 to {MAX_BINS} bins (2 to {MAX_BINS + 1} edges)",
                path=[*path, "binEdges"],
            )
        for i in range(1, len(edges)):
            if edges[i] <= edges[i - 1]:
                raise BadInputError("bin edges must increase", path=[*path, "binEdges", i])
        counts = tuple(_count(c, [*path, "binCounts", i]) for i, c in enumerate(bin_counts))
        if len(counts) != len(edges) - 1:
            raise BadInputError(
                f"{len(edges)} edges make {len(edges) - 1} bins, not {len(counts)}",
                path=[*path, "binCounts"],
            )
        if sum(counts) != filled:
            raise BadInputError(
                f"the bins hold {sum(counts)} values, count - nulls is {filled}",
                path=[*path, "binCounts"],
            )
    cats = None
    if categories is not None:
        if len(categories) > MAX_BINS:
            raise BadInputError(f"at most {MAX_BINS} categories", path=[*path, "categories"])
        cats = {str(k): _count(v, [*path, "categories", str(k)]) for k, v in categories.items()}
        if sum(cats.values()) != filled:
            raise BadInputError(
                f"the categories hold {sum(cats.values())} values, count - nulls is {filled}",
                path=[*path, "categories"],
            )
    return ColumnProfile(name.strip(), total, missing, low, high, edges, counts, cats)


def aligned(
    reference: ColumnProfile, current: ColumnProfile, *, path: Path
) -> tuple[list[int], list[int]]:
    """The two columns' counts over the reference's bins (or the union of categories);
    BadInputError at `path` when they cannot be aligned."""
    if reference.bin_edges is not None:
        if current.bin_edges is None or current.bin_counts is None:
            raise BadInputError(
                f"column {current.name!r} needs a histogram over the reference's bin edges",
                path=[*path, "binEdges"],
            )
        if current.bin_edges != reference.bin_edges:
            raise BadInputError(
                f"the bin edges of {current.name!r} do not match the reference's "
                f"({list(reference.bin_edges)})",
                path=[*path, "binEdges"],
            )
        assert reference.bin_counts is not None
        return list(reference.bin_counts), list(current.bin_counts)
    if reference.categories is None:
        raise BadInputError(
            f"the reference's column {reference.name!r} has neither bins nor categories",
            path=path,
        )
    if current.categories is None:
        raise BadInputError(
            f"column {current.name!r} needs category counts, as its reference has",
            path=[*path, "categories"],
        )
    names = sorted(set(reference.categories) | set(current.categories))
    return (
        [reference.categories.get(n, 0) for n in names],
        [current.categories.get(n, 0) for n in names],
    )


def psi(reference: Sequence[int], current: Sequence[int]) -> float:
    """Population stability index with Jeffreys smoothing (module docstring)."""
    k = len(reference)
    r_total, c_total = sum(reference) + SMOOTHING * k, sum(current) + SMOOTHING * k
    value = 0.0
    for r, c in zip(reference, current, strict=True):
        p, q = (r + SMOOTHING) / r_total, (c + SMOOTHING) / c_total
        value += (q - p) * math.log(q / p)
    return value


def js_distance(reference: Sequence[int], current: Sequence[int]) -> float:
    """Jensen-Shannon distance, base 2 (module docstring)."""
    r_total, c_total = sum(reference), sum(current)
    divergence = 0.0
    for r, c in zip(reference, current, strict=True):
        p, q = r / r_total, c / c_total
        m = (p + q) / 2
        if p > 0:
            divergence += 0.5 * p * math.log2(p / m)
        if q > 0:
            divergence += 0.5 * q * math.log2(q / m)
    return math.sqrt(max(divergence, 0.0))


def drift(
    metric: DriftMetric, reference: ColumnProfile, current: ColumnProfile, *, path: Path
) -> float:
    """The metric between two columns over aligned bins; BadInputError when either side
    has no non-null value (there is no distribution to compare)."""
    ref_counts, cur_counts = aligned(reference, current, path=path)
    if not sum(ref_counts):
        raise BadInputError(
            f"the reference's column {reference.name!r} has no values to compare", path=path
        )
    if not sum(cur_counts):
        raise BadInputError(f"column {current.name!r} has no values to compare", path=path)
    if metric is DriftMetric.PSI:
        return psi(ref_counts, cur_counts)
    return js_distance(ref_counts, cur_counts)
