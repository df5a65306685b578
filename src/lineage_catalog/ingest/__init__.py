"""Ingestion: OpenLineage events and Arrow/Parquet files."""
