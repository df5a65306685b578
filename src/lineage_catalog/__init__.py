"""lineage-catalog: a GraphQL lineage and metadata catalog for ML governance."""

__version__ = "0.1.0"
