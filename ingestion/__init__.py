"""File ingestion for auxwatch: read bureau submissions, normalise them, load the raw layer.

Plain Python and polars; nothing here imports Dagster, so the same code runs from tests,
the CLI and the asset graph.
"""
