"""`auxwatch run` end to end on a small generated inbox (shared/spec/outputs.md)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from ingestion.schemas import DATASETS, ROSTER
from tests.integration.conftest import Deployment, assert_ok

CONTRACT = {
    "compliance_findings": [
        ("finding_id", "VARCHAR"),
        ("rule_id", "VARCHAR"),
        ("article", "VARCHAR"),
        ("severity", "VARCHAR"),
        ("bureau_code", "VARCHAR"),
        ("period", "DATE"),
        ("subject_type", "VARCHAR"),
        ("subject_id", "VARCHAR"),
        ("measured", "DOUBLE"),
        ("threshold", "DOUBLE"),
        ("detail", "VARCHAR"),
    ],
    "quota_usage": [
        "bureau_code",
        "month",
        "headcount_total",
        "headcount_duty",
        "headcount_civilian",
        "quota_total",
        "quota_duty",
        "quota_civilian",
        "utilization",
        "police_count",
        "aux_per_police",
    ],
    "insurance_coverage": [
        "bureau_code",
        "month",
        "insurance_type",
        "required_persons",
        "covered_persons",
        "coverage_rate",
    ],
    "pay_summary": [
        "bureau_code",
        "year",
        "person_months",
        "fte",
        "gross_total",
        "avg_gross_per_fte",
        "reference_avg_wage",
        "ratio_to_reference",
    ],
    "complaint_handling": [
        "bureau_code",
        "month",
        "received",
        "concluded",
        "concluded_on_time",
        "open_overdue",
        "feedback_on_time",
        "median_days_to_conclude",
    ],
}


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()


def digests(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every table of the schemas."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where list_contains(?, table_schema) order by 1, 2",
        [list(schemas)],
    ).fetchall()
    out = {}
    for schema, table in tables:
        # Identifiers come from the catalog of our own file.
        out[f"{schema}.{table}"] = con.execute(
            f"select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) "
            f'order by cast(t as varchar)), \'\')) from "{schema}"."{table}" t'
        ).fetchone()
    return out


# ---------------------------------------------------------------- the first run


def test_contract_marts_have_exactly_the_columns_of_outputs_md(deployment: Deployment) -> None:
    con = deployment.published()
    try:
        for table, expected in CONTRACT.items():
            got = columns(con, "marts", table)
            if isinstance(expected[0], tuple):
                assert got == expected, table
            else:
                assert [c for c, _ in got] == expected, table
        assert con.execute("select count(*) from marts.compliance_findings").fetchone()[0] > 0
        dupes = con.execute(
            "select count(*) from (select rule_id, bureau_code, period, subject_id "
            "from marts.compliance_findings group by all having count(*) > 1)"
        ).fetchone()[0]
        assert dupes == 0
    finally:
        con.close()


def test_rows_in_equal_loaded_plus_quarantined_for_every_file(deployment: Deployment) -> None:
    con = deployment.working()
    try:
        ledger = con.execute(
            "select load_id, dataset, file, status, rows_in, rows_loaded, rows_quarantined "
            "from raw.load_ledger"
        ).fetchall()
        assert ledger
        quarantined = dict(
            con.execute("select load_id, count(*) from raw.quarantine group by 1").fetchall()
        )
        for load_id, dataset, file, status, rows_in, loaded, quar in ledger:
            assert rows_in == loaded + quar, file
            assert quarantined.get(load_id, 0) == quar, file
            if status == "loaded":
                in_raw = con.execute(
                    f"select count(*) from raw.{DATASETS[dataset].name} where _load_id = ?",
                    [load_id],
                ).fetchone()[0]
                assert in_raw == loaded, file
        # The generator plants bad rows and a corrupt file: both must be accounted for.
        assert sum(r[6] for r in ledger) > 0
        assert any(r[3] == "rejected" for r in ledger)
    finally:
        con.close()


def pii_values(deployment: Deployment) -> pl.DataFrame:
    con = deployment.working()
    try:
        return (
            con.sql(
                "select id_number as v from raw.roster union select name from raw.roster "
                "union select complainant_name from raw.complaints "
                "union select complainant_phone from raw.complaints"
            )
            .pl()
            .filter(pl.col("v").is_not_null())
        )
    finally:
        con.close()


def test_no_pii_in_any_published_table(deployment: Deployment) -> None:
    pii = pii_values(deployment)
    assert pii.height > 100
    long_values = pii.filter(pl.col("v").str.len_chars() >= 11)  # ID numbers and phones
    con = deployment.published()
    try:
        con.register("pii", pii)
        con.register("pii_long", long_values)
        cols = con.execute(
            "select c.table_schema, c.table_name, c.column_name "
            "from information_schema.columns c join information_schema.tables t "
            "using (table_catalog, table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' "
            "and (c.data_type = 'VARCHAR' or c.data_type like '%[]')"
        ).fetchall()
        assert cols
        for schema, table, column in cols:
            ref = f'"{schema}"."{table}"'
            val = f'cast(t."{column}" as varchar)'
            exact = con.execute(
                f"select count(*) from {ref} t where {val} in (select v from pii)"
            ).fetchone()[0]
            inside = con.execute(
                f"select count(*) from {ref} t join pii_long p on contains({val}, p.v)"
            ).fetchone()[0]
            assert (exact, inside) == (0, 0), f"PII in {schema}.{table}.{column}"
    finally:
        con.close()


# ---------------------------------------------------------------- a second run


@pytest.fixture(scope="module")
def rerun(deployment: Deployment) -> dict[str, object]:
    con = deployment.published()
    before = digests(con, ("marts", "reporting"))
    ledger_before = con.execute("select count(*) from ops.load_ledger").fetchone()[0]
    con.close()
    proc = deployment.run()
    assert_ok(proc)
    con = deployment.published()
    after = digests(con, ("marts", "reporting"))
    ledger_after = con.execute("select count(*) from ops.load_ledger").fetchone()[0]
    con.close()
    return {"before": before, "after": after, "ledger": (ledger_before, ledger_after)}


def test_a_second_run_on_the_same_inbox_changes_nothing(rerun: dict[str, object]) -> None:
    assert rerun["ledger"][0] == rerun["ledger"][1]
    before, after = rerun["before"], rerun["after"]
    assert set(before) == set(after)
    changed = [t for t in before if before[t] != after[t]]
    assert changed == []


def _pipeline_runs(deployment: Deployment) -> list[dict[str, object]]:
    """The deployment's Dagster runs, oldest first, with their steps and dbt plan line."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(deployment.workspace.dagster_home))
    try:
        runs = []
        for run in reversed(instance.get_runs()):
            logs = instance.all_logs(run.run_id)
            runs.append(
                {
                    "run": run,
                    "steps": {s.step_key for s in instance.get_run_step_stats(run.run_id)},
                    "plan": [
                        e.user_message for e in logs if e.user_message.startswith("dbt build plan")
                    ],
                    "materialized": {
                        e.dagster_event.asset_key
                        for e in logs
                        if e.dagster_event is not None
                        and e.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
                    },
                }
            )
    finally:
        instance.dispose()
    return runs


def test_a_pipeline_run_is_one_run_of_one_job(
    deployment: Deployment, rerun: dict[str, object]
) -> None:
    from assets.definitions import build_definitions
    from assets.resources import AuxwatchSettings

    settings = AuxwatchSettings(inbox=str(deployment.inbox), warehouse=str(deployment.warehouse))
    graph = build_definitions(settings).resolve_asset_graph()
    every_asset = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    first, again = _pipeline_runs(deployment)[:2]
    steps = {"ingest", "auxwatch_dbt_models", "mart_suites", "ops__data_quality"}
    for run in (first, again):
        assert run["run"].job_name == "auxwatch_pipeline"
        assert run["steps"] == steps | {"published_warehouse"}
        # Nothing partitioned, every asset materialized: the UI shows the graph green.
        assert run["materialized"] == every_asset
    assert first["plan"] == ["dbt build plan: full (no successful earlier build to start from)"]
    # The rerun on an unchanged inbox: nothing dbt reads changed, so dbt did not run.
    assert again["plan"] == [
        "dbt build plan: skip (inputs unchanged since the last successful build)"
    ]


def test_dbt_artifacts_stay_in_the_deployments_work_dir(deployment: Deployment) -> None:
    builds = sorted((deployment.workspace.work_dir / "dbt_runs").iterdir())
    assert builds, "the first run built with dbt"
    assert (builds[-1] / "run_results.json").exists()
    assert (builds[-1] / "manifest.json").exists()


# ---------------------------------------------------------------- runs that fail


def test_a_failing_run_reports_one_line_and_leaves_the_file_untouched(
    deployment: Deployment, rerun: dict[str, object]
) -> None:
    before = deployment.warehouse.read_bytes()
    # A different identity key than the one the working database was built with: the run
    # must refuse at the first ingestion step rather than mix two hashings of ID numbers.
    proc = deployment.run(env={"AUXWATCH_IDENTITY_KEY": "00" * 32})
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "identity key" in lines[0]
    assert deployment.warehouse.read_bytes() == before


def test_a_run_failing_in_dbt_leaves_the_file_untouched(
    deployment: Deployment, rerun: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assets.defs import dbt as dbt_module
    from auxwatch.runner import RunFailed, run_pipeline

    # dbt refuses this value of a policy var in its own macros: the dbt step fails after
    # the ingestion steps have run.
    real = dbt_module.dbt_build_args
    monkeypatch.setattr(
        dbt_module,
        "dbt_build_args",
        lambda vars_: real({**vars_, "complaint_days_basis": "fortnightly"}),
    )
    before = deployment.warehouse.read_bytes()
    builds = _recorded_builds(deployment)
    assert builds  # the previous runs built successfully
    # Another evaluation date: the last build does not cover this run, dbt must run.
    as_of = (dt.date.fromisoformat(deployment.as_of) + dt.timedelta(days=1)).isoformat()
    with pytest.raises(RunFailed, match="auxwatch_dbt_models"):
        run_pipeline(deployment.inbox, deployment.warehouse, as_of=as_of)
    assert deployment.warehouse.read_bytes() == before
    leftovers = [p.name for p in deployment.warehouse.parent.iterdir() if ".tmp-" in p.name]
    assert leftovers == []
    # The tables may now be half rebuilt: no build is recorded, so the next run starts from
    # the last successful one again and recomputes what this one was to recompute.
    assert _recorded_builds(deployment) == builds


def _recorded_builds(deployment: Deployment) -> list[tuple]:
    con = deployment.working()
    try:
        return con.execute("select * from pipeline.dbt_builds order by built_at").fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- re-submissions


def _roster_key_to_correct(con: duckdb.DuckDBPyConnection) -> tuple[str, object]:
    """A (bureau, month) with people active at month end, from a loaded roster file."""
    return con.execute(
        "select bureau_code, snapshot_month from raw.roster "
        "where _superseded_by is null and leave_date is null "
        "group by all having count(*) >= 3 order by all limit 1"
    ).fetchall()[0]


@pytest.fixture(scope="module")
def resubmission(deployment: Deployment, rerun: dict[str, object], tmp_path_factory) -> dict:
    con = deployment.working()
    bureau, month = _roster_key_to_correct(con)
    names = [c.name for c in ROSTER.columns]
    current = con.sql(
        f"select {', '.join(names)} from raw.roster "
        "where _superseded_by is null and bureau_code = ? and snapshot_month = ? "
        "order by person_id",
        params=[bureau, month],
    ).pl()
    others_before = con.execute(
        "select bureau_code, snapshot_month, person_id, level from raw.roster "
        "where _superseded_by is null and not (bureau_code = ? and snapshot_month = ?) "
        "order by all",
        [bureau, month],
    ).fetchall()
    payroll_before = con.execute(
        "select count(*) from raw.payroll where _superseded_by is null"
    ).fetchone()[0]
    insurance_before = con.execute(
        "select count(*) from raw.insurance where _superseded_by is null"
    ).fetchone()[0]
    next_month = con.execute(
        "select max(pay_month) + interval 1 month from raw.payroll"
    ).fetchone()[0]
    con.close()
    pub = deployment.published()
    headcount_before = pub.execute(
        "select headcount_total from marts.quota_usage where bureau_code = ? and month = ?",
        [bureau, month],
    ).fetchone()[0]
    pub.close()

    dropped = current.filter(pl.col("leave_date").is_null())["person_id"][0]
    changed = current.filter(pl.col("person_id") != dropped)["person_id"][0]
    corrected = current.filter(pl.col("person_id") != dropped).with_columns(
        pl.when(pl.col("person_id") == changed)
        .then(pl.when(pl.col("level") == 7).then(6).otherwise(pl.col("level") + 1))
        .otherwise(pl.col("level"))
        .alias("level")
    )
    inbox = deployment.inbox
    corrected.write_csv(inbox / "roster" / "zz_correction.csv")

    pid = corrected["person_id"][0]
    bad_rows = [
        "pay_month,bureau_code,person_id,base_pay,gross_pay,net_pay",
        f"{next_month:%Y-%m},{bureau},{pid},3000,6000,5000",
        f"{next_month:%Y-%m},999999,{pid},3000,6000,5000",  # unknown bureau
        f"{next_month:%Y-13},{bureau},{corrected['person_id'][1]},3000,6000,5000",  # bad month
        f"{next_month:%Y-%m},{bureau},{corrected['person_id'][2]},3000,,5000",  # no gross
    ]
    (inbox / "payroll" / "zz_bad_rows.csv").write_text("\n".join(bad_rows) + "\n", "utf-8")
    (inbox / "insurance" / "zz_corrupt.xlsx").write_bytes(b"PK\x03\x04 truncated workbook")

    proc = deployment.run()
    assert_ok(proc)
    return {
        "bureau": bureau,
        "month": month,
        "corrected": corrected,
        "dropped": dropped,
        "changed": changed,
        "others_before": others_before,
        "payroll_before": payroll_before,
        "insurance_before": insurance_before,
        "headcount_before": headcount_before,
        "stdout": proc.stdout,
    }


def test_a_corrected_file_replaces_exactly_its_key(
    deployment: Deployment, resubmission: dict
) -> None:
    r = resubmission
    con = deployment.working()
    try:
        now = con.execute(
            "select person_id, level from raw.roster where _superseded_by is null "
            "and bureau_code = ? and snapshot_month = ? order by person_id",
            [r["bureau"], r["month"]],
        ).fetchall()
        expected = list(r["corrected"].select("person_id", "level").iter_rows())
        assert now == expected
        others = con.execute(
            "select bureau_code, snapshot_month, person_id, level from raw.roster "
            "where _superseded_by is null and not (bureau_code = ? and snapshot_month = ?) "
            "order by all",
            [r["bureau"], r["month"]],
        ).fetchall()
        assert others == r["others_before"]
        # The replaced rows stay, marked with the load that superseded them.
        (load_id,) = con.execute(
            "select load_id from raw.load_ledger where file = 'roster/zz_correction.csv'"
        ).fetchone()
        superseded = con.execute(
            "select count(*) from raw.roster where _superseded_by = ? "
            "and bureau_code = ? and snapshot_month = ?",
            [load_id, r["bureau"], r["month"]],
        ).fetchone()[0]
        assert superseded == len(r["corrected"]) + 1
    finally:
        con.close()
    pub = deployment.published()
    try:
        headcount = pub.execute(
            "select headcount_total from marts.quota_usage where bureau_code = ? and month = ?",
            [r["bureau"], r["month"]],
        ).fetchone()[0]
    finally:
        pub.close()
    assert headcount == r["headcount_before"] - 1


def test_bad_rows_and_a_corrupt_xlsx_leave_the_rest_intact(
    deployment: Deployment, resubmission: dict
) -> None:
    r = resubmission
    con = deployment.working()
    try:
        bad = con.execute(
            "select status, rows_in, rows_loaded, rows_quarantined, load_id from raw.load_ledger "
            "where file = 'payroll/zz_bad_rows.csv'"
        ).fetchone()
        assert bad[:4] == ("loaded", 4, 1, 3)
        reasons = con.execute(
            "select row_number, len(reasons) from raw.quarantine where load_id = ? order by 1",
            [bad[4]],
        ).fetchall()
        assert [row for row, _ in reasons] == [3, 4, 5]
        assert all(n >= 1 for _, n in reasons)
        corrupt = con.execute(
            "select status, rows_loaded, message from raw.load_ledger "
            "where file = 'insurance/zz_corrupt.xlsx'"
        ).fetchone()
        assert corrupt[0] == "rejected" and corrupt[1] == 0 and corrupt[2]
        payroll = con.execute(
            "select count(*) from raw.payroll where _superseded_by is null"
        ).fetchone()[0]
        insurance = con.execute(
            "select count(*) from raw.insurance where _superseded_by is null"
        ).fetchone()[0]
    finally:
        con.close()
    assert payroll == r["payroll_before"] + 1
    assert insurance == r["insurance_before"]
    pub = deployment.published()
    try:
        ledger = pub.execute(
            "select status from ops.load_ledger where file = 'insurance/zz_corrupt.xlsx'"
        ).fetchone()
        published_rows = pub.execute(
            "select row_number from ops.quarantine where file = 'payroll/zz_bad_rows.csv' "
            "order by 1"
        ).fetchall()
        quarantine_columns = [c for c, _ in columns(pub, "ops", "quarantine")]
    finally:
        pub.close()
    assert ledger == ("rejected",)
    assert "rejected 1" in r["stdout"]
    # Quarantined rows are published with file, row and reasons, never their raw values.
    assert published_rows == [(3,), (4,), (5,)]
    assert "raw_values" not in quarantine_columns
