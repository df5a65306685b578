"""The client's profiles (lineage_catalog_client.profile) against an independent computation
written here in plain Python (no pyarrow.compute): counts, nulls (NaN and infinities too),
min/max, histograms with empty bins, values on bin edges and outside them, categories; and
end to end: a profile sent with record_profile becomes the drift observation the catalog
computes, equal to the PSI of the plain-Python counts."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from neo4j import Driver

from lineage_catalog.localneo4j import free_port
from lineage_catalog.settings import Settings
from lineage_catalog_client import CatalogClient
from lineage_catalog_client.profile import profile_parquet, profile_table
from tests.live_server import serve, wait_healthy

EDGES = [0.0, 0.25, 0.5, 0.75, 1.0]


# --- the oracle: plain Python over the rows --------------------------------------------------


def _is_value(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and not math.isfinite(v))


def _oracle_bins(values: list[float], edges: list[float]) -> list[int]:
    """Bin i holds edges[i] <= v < edges[i+1]; the last bin its upper edge too; a value
    under the first edge goes to the first bin, one over the last to the last bin."""
    counts = [0] * (len(edges) - 1)
    for v in values:
        placed = len(counts) - 1
        for i in range(len(counts)):
            if v < edges[i + 1]:
                placed = i
                break
        counts[placed] += 1
    return counts


def _oracle_number(name: str, rows: list[Any], edges: list[float]) -> dict[str, Any]:
    values = [float(v) for v in rows if _is_value(v)]
    return {
        "name": name, "count": len(rows), "nulls": len(rows) - len(values),
        "min": min(values) if values else None, "max": max(values) if values else None,
        "binEdges": edges, "binCounts": _oracle_bins(values, edges),
    }  # fmt: skip


def _oracle_categories(name: str, rows: list[Any]) -> dict[str, Any]:
    counted = Counter(str(v).lower() if isinstance(v, bool) else v for v in rows if v is not None)
    return {"name": name, "count": len(rows), "nulls": sum(v is None for v in rows),
            "categories": sorted(counted.items())}  # fmt: skip


def _comparable(column: dict[str, Any]) -> dict[str, Any]:
    if "categories" in column:
        pairs = sorted((c["value"], c["count"]) for c in column["categories"])
        return {**column, "categories": pairs}
    return column


def _random_rows(rng: random.Random, n: int) -> dict[str, list[Any]]:
    special = [None, math.nan, math.inf, -math.inf, *EDGES, -0.5, 1.5, 7.0]
    floats = [
        rng.choice(special) if rng.random() < 0.3 else rng.uniform(0.0, 0.5)  # top bins empty
        for _ in range(n)
    ]
    ints = [None if rng.random() < 0.1 else rng.randint(-3, 12) for _ in range(n)]
    strings = [None if rng.random() < 0.15 else rng.choice("abcde") for _ in range(n)]
    flags = [None if rng.random() < 0.1 else rng.random() < 0.7 for _ in range(n)]
    return {"score": floats, "age": ints, "grade": strings, "flag": flags}


@pytest.mark.parametrize("seed", range(8))
def test_a_profile_matches_the_plain_python_computation(seed: int) -> None:
    rng = random.Random(seed)
    rows = _random_rows(rng, rng.randint(1, 400))
    table = pa.table({
        "score": pa.array(rows["score"], pa.float64()), "age": pa.array(rows["age"], pa.int32()),
        "grade": pa.array(rows["grade"], pa.string()).dictionary_encode(),
        "flag": pa.array(rows["flag"], pa.bool_()),
    })  # fmt: skip
    age_edges = [0.0, 2.0, 4.0, 8.0]
    found = profile_table(table, bin_edges={"score": EDGES, "age": age_edges})
    assert [_comparable(c) for c in found] == [
        _oracle_number("score", rows["score"], EDGES),
        _oracle_number("age", rows["age"], age_edges),
        _oracle_categories("grade", rows["grade"]),
        _oracle_categories("flag", rows["flag"]),
    ]
    for column in found:  # what the catalog checks: the counts add up to count - nulls
        counts = column.get("binCounts") or [c["count"] for c in column["categories"]]
        assert sum(counts) == column["count"] - column["nulls"]


def test_edges_on_values_empty_bins_outside_values_and_nulls_by_hand() -> None:
    table = pa.table({"x": [0.0, 0.25, 0.25, 0.5, 1.0, 1.0, -2.0, 3.0, None, math.nan]})
    # -2 (under the first edge) and 0 in the first bin, both 0.25 in the second, 0.5 in
    # the third, none in the fourth, 1.0 (the last edge) twice with 3.0 (above) in the last.
    edges = [0.0, 0.25, 0.5, 0.75, 0.9, 1.0]
    (column,) = profile_table(table, bin_edges={"x": edges})
    assert column == {"name": "x", "count": 10, "nulls": 2, "min": -2.0, "max": 3.0,
                      "binEdges": edges, "binCounts": [2, 2, 1, 0, 3]}  # fmt: skip


def test_edges_come_from_a_reference_profile_else_equal_width() -> None:
    training = pa.table({"x": [float(i) for i in range(11)], "y": [5] * 10 + [None]})
    reference = profile_table(training, bins=5)
    assert reference[0]["binEdges"] == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert reference[0]["binCounts"] == [2, 2, 2, 2, 3]
    # One distinct value: one unit wide around it; no values at all: one empty bin.
    assert reference[1]["binEdges"][0] == 4.5 and reference[1]["binEdges"][-1] == 5.5
    empty = profile_table(pa.table({"z": pa.array([None, None], pa.float64())}))
    assert empty[0] == {"name": "z", "count": 2, "nulls": 2, "min": None, "max": None,
                        "binEdges": [0.0, 1.0], "binCounts": [0]}  # fmt: skip
    production = pa.table({"x": [1.5, 2.0, 9.9, 42.0]})
    (current,) = profile_table(production, reference=reference)
    assert current["binEdges"] == reference[0]["binEdges"]
    assert current["binCounts"] == _oracle_bins([1.5, 2.0, 9.9, 42.0], current["binEdges"])


def test_many_categories_fold_into_other_and_bad_requests_are_refused() -> None:
    table = pa.table({"c": ["a"] * 5 + ["b"] * 3 + ["c", "d", "(other)"]})
    (column,) = profile_table(table, max_categories=3)
    assert sorted((c["value"], c["count"]) for c in column["categories"]) == [
        ("(other)", 3), ("a", 5), ("b", 3)]  # fmt: skip
    with pytest.raises(ValueError, match="increasing"):
        profile_table(pa.table({"x": [1.0]}), bin_edges={"x": [1.0, 1.0]})
    with pytest.raises(ValueError, match="not a number, string or boolean"):
        profile_table(pa.table({"t": pa.array([1], pa.timestamp("s"))}), columns=["t"])
    with pytest.raises(ValueError, match="no column"):
        profile_table(pa.table({"x": [1.0]}), columns=["y"])
    # Unnamed, a column of another type is left out.
    assert [c["name"] for c in profile_table(
        pa.table({"t": pa.array([1], pa.timestamp("s")), "x": [1.0]}))] == ["x"]  # fmt: skip


def test_a_parquet_file_profiles_like_its_table(tmp_path: Path) -> None:
    rows = _random_rows(random.Random(99), 300)
    table = pa.table({"score": pa.array(rows["score"], pa.float64()),
                      "grade": pa.array(rows["grade"], pa.string())})  # fmt: skip
    pq.write_table(table, tmp_path / "inputs.parquet", row_group_size=64)
    found = profile_parquet(tmp_path / "inputs.parquet", bin_edges={"score": EDGES})
    assert found == profile_table(table, bin_edges={"score": EDGES})
    assert _comparable(found[0]) == _oracle_number("score", rows["score"], EDGES)


# --- end to end ------------------------------------------------------------------------------


def _oracle_psi(reference: list[int], current: list[int]) -> float:
    k = len(reference)
    p = [(r + 0.5) / (sum(reference) + 0.5 * k) for r in reference]
    q = [(c + 0.5) / (sum(current) + 0.5 * k) for c in current]
    return sum((qi - pi) * math.log(qi / pi) for pi, qi in zip(p, q, strict=True))


@pytest.fixture(scope="module")
def server_url(settings: Settings, driver: Driver) -> Iterator[str]:
    with serve(settings, free_port()) as url:
        wait_healthy(url)
        yield url


def test_a_profile_sent_becomes_the_catalogs_drift_observation(
    server_url: str, clean_graph: Driver, admin_token: str
) -> None:
    rng = random.Random(5)
    train = [None if rng.random() < 0.05 else rng.betavariate(2, 5) for _ in range(2_000)]
    live = [None if rng.random() < 0.05 else rng.betavariate(3, 3) * 1.2 for _ in range(1_500)]
    edges = [i / 10 for i in range(11)]
    with CatalogClient(server_url, token=admin_token) as catalog:
        catalog.register_dataset("loans-train")
        reference_id = catalog.register_dataset_version("loans-train", "1")
        catalog.register_deployment("credit-api", "prod")
        reference = profile_table(pa.table({"dti": pa.array(train, pa.float64())}),
                                  bin_edges={"dti": edges})  # fmt: skip
        assert catalog.record_profile("train-1", reference_id, reference).observations == []
        catalog.register_monitor(
            "dti-psi", "Deployment:prod/credit-api", type="DATA_DRIFT", metric="psi",
            column="dti", threshold=0.1, reference=reference_id,
        )  # fmt: skip
        current = profile_table(pa.table({"dti": pa.array(live, pa.float64())}),
                                reference=reference)  # fmt: skip
        sent = catalog.record_profile("prod-w1", "Deployment:prod/credit-api", current)
        assert sent.observations == ["dti-psi|" + sent.observations[0].split("|", 1)[1]]
        stored = catalog.execute(
            '{ health(target: "Deployment:prod/credit-api") '
            "{ monitors { latest { value source details } breached } } }"
        )["health"]["monitors"][0]
    expected = _oracle_psi(
        _oracle_bins([v for v in train if v is not None], edges),
        _oracle_bins([v for v in live if v is not None], edges),
    )
    assert stored["latest"]["source"] == "profile"
    assert stored["latest"]["details"]["column"] == "dti"
    assert math.isclose(stored["latest"]["value"], expected, rel_tol=1e-12)
    assert stored["breached"] == (expected > 0.1)
    assert expected > 0.1  # the live inputs drifted: an incident was opened
    assert [i.status for i in sent.incidents] == ["OPEN"]
