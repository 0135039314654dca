"""The Dagster code location of auxwatch: raw datasets, the dbt project, quality, publish."""
