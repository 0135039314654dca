"""The demo/test data generator: determinism, formats, contract conformance, plants."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from auxwatch.generate import generate
from ingestion.schemas import DATASETS

DATASET_NAMES = [d for d in DATASETS if d != "posts"]
EXTRA_HEADERS = {"序号"}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _read(path: Path) -> tuple[list[str], pl.DataFrame]:
    """Header and rows of a generated file; CSV as strings, XLSX as calamine types it."""
    if path.suffix == ".xlsx":
        frame = pl.read_excel(path, engine="calamine")
        return list(frame.columns), frame
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
    frame = pl.read_csv(io.StringIO(text), infer_schema=False)
    return list(frame.columns), frame


def _norm(label: str) -> str:
    return label.strip(" \u3000").casefold()


def _canonical(dataset: str, header: list[str]) -> list[str | None]:
    """Canonical column names of a header (None for an allowed extra column)."""
    names = {}
    for c in DATASETS[dataset].columns:
        names[_norm(c.name)] = c.name
        names[_norm(c.zh)] = c.name
    out: list[str | None] = []
    for h in header:
        if h in EXTRA_HEADERS:
            out.append(None)
            continue
        assert _norm(h) in names, f"{dataset}: unexpected header {h!r}"
        out.append(names[_norm(h)])
    return out


def _files(root: Path, dataset: str, rejected: set[str]) -> list[Path]:
    return [p for p in sorted((root / dataset).iterdir()) if f"{dataset}/{p.name}" not in rejected]


def _cents(value: object) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, float | int):
        return int(round(float(value) * 100))
    return int(Decimal(str(value).replace(",", "")) * 100)


def _check_char(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, dict]:
    """Small scale, 18 months ending June: long enough for every plant (a closed year for
    T02, a full previous year for I03)."""
    root = tmp_path_factory.mktemp("planted")
    out = root / "inbox"
    summary = generate(out, "small", seed=11, months=18, end_month=date(2026, 6, 1))
    manifest = json.loads((out / ".planted.json").read_text(encoding="utf-8"))
    return out, summary, manifest


def test_same_seed_same_bytes_and_different_seed_differs(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", "small", seed=3, months=4, end_month=date(2025, 8, 1))
    generate(tmp_path / "b", "small", seed=3, months=4, end_month=date(2025, 8, 1))
    generate(tmp_path / "c", "small", seed=4, months=4, end_month=date(2025, 8, 1))
    da, db, dc = (_digest(tmp_path / k) for k in "abc")
    assert da == db
    assert a.files == len([k for k in da if not k.startswith(".")])
    assert da != dc
    rosters_a = {k: v for k, v in da.items() if k.startswith("roster/")}
    rosters_c = {k: v for k, v in dc.items() if k.startswith("roster/")}
    assert set(rosters_a.values()).isdisjoint(rosters_c.values())


def test_nothing_written_outside_out(tmp_path: Path) -> None:
    generate(tmp_path / "inbox", "small", seed=5, months=2, end_month=date(2025, 2, 1))
    assert [p.name for p in tmp_path.iterdir()] == ["inbox"]


def test_every_dataset_present_readable_with_canonical_headers(planted) -> None:
    out, summary, manifest = planted
    rejected = {r["file"] for r in manifest["rejected_files"]}
    bad_by_file = {b["file"] for b in manifest["bad_rows"]}
    for dataset in DATASET_NAMES:
        files = _files(out, dataset, rejected)
        assert files, dataset
        rows = 0
        for path in files:
            header, frame = _read(path)
            canon = _canonical(dataset, header)
            present = {c for c in canon if c is not None}
            assert len(present) == len([c for c in canon if c is not None]), path
            assert present == {c.name for c in DATASETS[dataset].columns}, path
            assert frame.height > 0, path
            rows += frame.height
            # required columns filled on every row (bad rows aside)
            if f"{dataset}/{path.name}" in bad_by_file:
                continue
            for col, name in zip(header, canon, strict=True):
                if name in DATASETS[dataset].required:
                    assert frame[col].null_count() == 0, (path, name)
        assert rows == summary.rows[dataset], dataset
    assert not (out / "posts").exists()


def test_formats_are_mixed(planted) -> None:
    out, _, manifest = planted
    rejected = {r["file"] for r in manifest["rejected_files"]}
    kinds = set()
    for path in sorted(out.rglob("*")):
        if (
            not path.is_file()
            or path.name.startswith(".")
            or path.relative_to(out).as_posix() in rejected
        ):
            continue
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            _, frame = _read(path)
            if any(dt == pl.Date or dt == pl.Datetime for dt in frame.dtypes):
                kinds.add("xlsx_date_cells")
            continue
        if data.startswith(b"\xef\xbb\xbf"):
            kinds.add("utf8_bom")
            continue
        try:
            text = data.decode("utf-8")
            header = text.splitlines()[0]
            kinds.add("utf8_en" if re.fullmatch(r"[A-Za-z_,]+", header) else "utf8_other")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
            kinds.add("gb18030")
            if "年" in text and "月" in text:
                kinds.add("gb18030_chinese_dates")
            if re.search(r'"\d{1,3}(,\d{3})+\.\d{2}"', text):
                kinds.add("thousands_separators")
            if re.search(r"[一二三四五六七]级", text):
                kinds.add("chinese_levels")
    assert {
        "xlsx_date_cells",
        "utf8_bom",
        "utf8_en",
        "gb18030",
        "gb18030_chinese_dates",
        "thousands_separators",
        "chinese_levels",
    } <= kinds


def test_id_numbers_valid_and_person_ids_six_digits(planted) -> None:
    out, _, manifest = planted
    rejected = {r["file"] for r in manifest["rejected_files"]}
    bad = {(b["file"], b["row"]) for b in manifest["bad_rows"]}
    seen = 0
    for path in _files(out, "roster", rejected):
        header, frame = _read(path)
        canon = dict(zip(_canonical("roster", header), header, strict=True))
        ids = frame[canon["id_number"]].cast(pl.String).to_list()
        pids = frame[canon["person_id"]].cast(pl.String).to_list()
        for i, (idn, pid) in enumerate(zip(ids, pids, strict=True)):
            if (f"roster/{path.name}", i + 2) in bad:
                assert idn[17] != _check_char(idn[:17])
                continue
            assert re.fullmatch(r"\d{17}[\dX]", idn), idn
            assert idn[17] == _check_char(idn[:17]), idn
            date.fromisoformat(f"{idn[6:10]}-{idn[10:12]}-{idn[12:14]}")
            assert re.fullmatch(r"\d{6}", pid), pid
            seen += 1
    assert seen > 10_000


def test_payroll_arithmetic_exact(planted) -> None:
    out, _, manifest = planted
    rejected = {r["file"] for r in manifest["rejected_files"]}
    parts = ("base_pay", "post_pay", "level_pay", "performance_pay", "allowances", "overtime_pay")
    checked = 0
    for path in _files(out, "payroll", rejected):
        header, frame = _read(path)
        canon = dict(zip(_canonical("payroll", header), header, strict=True))
        for row in frame.iter_rows(named=True):
            v = {
                name: _cents(row[col])
                for name, col in canon.items()
                if name and DATASETS["payroll"].column(name).type == "amount"
            }
            assert v["gross_pay"] == sum(v[p] for p in parts), path
            assert (
                v["net_pay"]
                == v["gross_pay"] - v["si_employee"] - v["hf_employee"] - v["income_tax"]
            ), path
            checked += 1
    assert checked > 10_000


def test_every_rule_fires_where_planted(planted) -> None:
    _, summary, manifest = planted
    assert manifest["unexplained_findings"] == 0
    fired = {f["rule_id"] for f in manifest["findings"]}
    expected = {r for r in manifest["rules"] if r != "Q04"}  # Q04 needs a policy value
    assert expected <= fired, sorted(expected - fired)
    assert manifest["rules"]["Q04"]["findings"] == 0
    explained = {f["plant_id"] for f in manifest["findings"]}
    assert {p["plant_id"] for p in manifest["plants"]} <= explained
    assert summary.planted_findings == len(manifest["findings"])
    assert manifest["as_of"] == "2026-07-01"
    # bad rows and the corrupt file are listed with where they are
    assert {b["reason"] for b in manifest["bad_rows"]} == {
        "bad_check_digit",
        "duplicate_row_key",
        "unknown_enum",
        "unparseable_date",
        "unknown_bureau",
        "missing_required",
    }
    assert len(manifest["rejected_files"]) == 1
    # a realistic share: findings on person-months stay a few percent of roster rows
    person_rules = {"W01", "W02", "R04", "I01", "I04", "I05", "P01", "P02", "P03", "P04", "D01"}
    person_findings = sum(1 for f in manifest["findings"] if f["rule_id"] in person_rules)
    assert person_findings < 0.03 * summary.rows["roster"]


def test_clean_data_produces_no_findings(tmp_path: Path) -> None:
    summary = generate(
        tmp_path / "inbox", "small", seed=8, months=15, end_month=date(2025, 12, 1), plant=False
    )
    manifest = json.loads((tmp_path / "inbox" / ".planted.json").read_text(encoding="utf-8"))
    assert manifest["findings"] == []
    assert manifest["plants"] == [] and manifest["bad_rows"] == []
    assert manifest["rejected_files"] == []
    assert summary.planted_findings == 0
