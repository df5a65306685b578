"""Catalog-wide facts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CatalogStats:
    """Node counts per main kind."""

    datasets: int
    dataset_versions: int
    features: int
    code_commits: int
    runs: int
    models: int
    model_versions: int
    deployments: int
    predictions: int
    people: int
    teams: int
