"""The benchmark's helpers: months in file names, the history inbox, stage names."""

from __future__ import annotations

from pathlib import Path

from bench.floor import _statements, read_file
from bench.run import history_inbox, month_of, stage_of


def test_month_of_file_names() -> None:
    assert month_of("330100_insurance_202405.csv") == "2024-05"
    assert month_of("西湖区_2026年08月_工资发放.csv") == "2026-08"
    assert month_of("330100_accident_policies_2024.csv") is None
    assert month_of("331000_roster_202611.csv") == "2026-11"
    assert month_of("市局_2026年1月_花名册（补报）.xlsx") == "2026-01"


def test_history_inbox_drops_only_the_last_month_of_monthly_datasets(tmp_path: Path) -> None:
    full = tmp_path / "full"
    files = [
        "roster/a_202401.csv", "roster/a_202402.csv", "payroll/市局_2024年02月_工资发放.csv",
        "insurance/a_202401.csv", "complaints/a_2024.csv", "bureaus/bureaus.xlsx",
    ]
    for f in files:
        (full / f).parent.mkdir(parents=True, exist_ok=True)
        (full / f).write_text(f)
    (full / "police_strength").mkdir()
    last = history_inbox(full, tmp_path / "history")
    kept = sorted(p.relative_to(tmp_path / "history").as_posix()
                  for p in (tmp_path / "history").rglob("*") if p.is_file())
    assert last == "2024-02"
    assert kept == sorted(["roster/a_202401.csv", "insurance/a_202401.csv",
                           "complaints/a_2024.csv", "bureaus/bureaus.xlsx"])


def test_stage_of_steps() -> None:
    assert stage_of("ingest") == "ingest"  # the batch suites run inside ingestion's step
    assert stage_of("mart_suites") == "data_quality"
    assert stage_of("ops__data_quality") == "data_quality"
    assert stage_of("auxwatch_dbt_models") == "dbt"
    assert stage_of("published_warehouse") == "publish"


def test_floor_reads_chinese_gb18030_headers(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("月份,单位代码,辅警编号,险种,缴费状态,多余\n2024年3月,330102,000001,养老保险,已缴,z\n"
                     .encode("gb18030"))
    frame = read_file(path, "insurance")
    assert frame is not None
    assert frame.row(0, named=True) == {
        "month": "2024年3月", "bureau_code": "330102", "person_id": "000001",
        "insurance_type": "养老保险", "status": "已缴",
    }


def test_floor_script_splits_into_statements() -> None:
    script = (Path(__file__).parents[2] / "bench" / "floor.sql").read_text(encoding="utf-8")
    statements = _statements(script)
    assert len(statements) == 9
    assert all(s.startswith("create or replace") for s in statements)


def _run(wall: float):  # noqa: ANN202 - bench.run.RunResult
    from bench.run import Measured, RunResult

    return RunResult(Measured(wall, wall, 1.0, 100.0, 0), {}, {}, 10, 1.0)


def test_median_run_is_the_middle_one_by_wall_time() -> None:
    from bench.run import median_run

    assert median_run([_run(70), _run(60), _run(90)]).measured.wall_s == 70
    assert median_run([_run(70), _run(60)]).measured.wall_s == 60
    assert median_run([_run(80)]).measured.wall_s == 80


def test_the_small_bench_corrects_one_payroll_file_of_an_old_month(tmp_path: Path) -> None:
    from bench.run import correct_one_payroll_file

    payroll = tmp_path / "payroll"
    payroll.mkdir()
    for month in ("202401", "202402", "202403"):
        (payroll / f"330100_payroll_{month}.csv").write_text("pay_month,person_id\nx,1\nx,2\n")
    name = correct_one_payroll_file(tmp_path)
    assert name == "zz-correction-330100_payroll_202402.csv"
    assert (payroll / name).read_text() == "pay_month,person_id\nx,1\n"
    assert month_of(name) == "2024-02"
