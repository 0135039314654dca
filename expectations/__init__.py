"""Data quality for auxwatch: Great Expectations suites, whole-table SQL checks, results, alerts.

Public entry points (kept small on purpose):

- `expectations.config.load_dq_config(path | None) -> DQConfig`
- `expectations.batch.BatchValidator(settings).on_batch(file_result, df)` during ingestion
- `expectations.warehouse.run_sql_checks(con, run_id, config) -> list[CheckResult]`
- `expectations.marts.validate_marts(con, run_id, config) -> list[CheckResult]`
- `expectations.store.record(con, results)` into `ops.dq_results`
- `expectations.alerts.process_alerts(con, run_id, config) -> AlertSummary`
- `expectations.docs.build_data_docs(work_dir)` (offline-safe HTML)

Nothing here reads the environment at import time; Great Expectations itself is imported
lazily (it costs ~3 s) by the modules that validate.
"""
