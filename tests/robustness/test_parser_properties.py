"""Property-based tests of the parsers: no input makes them raise anything but RejectedFile,
and what they return keeps the contract's invariants.

Examples are derandomised (the same on every run, so CI cannot flake) and kept few enough to
run in seconds; raise HYPOTHESIS_PROFILE=deep locally to search longer.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from auxwatch.corpus.base import check_char
from ingestion import normalise as nz
from ingestion.errors import RejectedFile
from ingestion.headers import match_header, normalise_label
from ingestion.readers import RawTable, decode_text, read_csv, read_xlsx
from ingestion.rows import prepare_rows
from ingestion.schemas import DATASETS, SQL_TYPES

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("deep", max_examples=3000, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TODAY = date(2026, 1, 15)
KEY = b"p" * 32
KNOWN = {"330100", "330106"}

# Fragments bureaus' files are made of, and the characters that break parsers.
FRAGMENTS = [
    "330100", "330106", "339999", "2024-03-05", "2024/3/5", "2024年3月5日", "2024-03",
    "2024年3月", "45292", "1,234.50", "-12", "0.005", "1e5", "3.30106E+17", "#N/A", "#REF!",
    "duty", "勤务辅警", "文职辅警", "Y", "否", "一级", "3级", "8", "县(市)局", "市局", "paid",
    "养老保险", "王建国", "330106199003121002", "33010619900312100X", "=SUM(A1:B2)",
    "", " ", "\u3000", "\ufeff", '"', '""', ",", "\n", "\r\n", "\r", "\t", ";", "\x1a",
    "０１２", "NaN", "inf", "0000-01-01", "9" * 25, "¥", "（", "）", "\\", "'",
]  # fmt: skip
fragment_text = st.lists(st.sampled_from(FRAGMENTS), max_size=4).map("".join)
any_text = st.one_of(fragment_text, st.text(max_size=12))


def header_names(ds) -> list[str]:  # noqa: ANN001
    return [c.name for c in ds.columns] + [c.zh for c in ds.columns]


datasets = st.sampled_from(sorted(DATASETS))


# --- decoding and CSV reading ---------------------------------------------------------------


@given(st.binary(max_size=400))
def test_decode_text_accepts_or_rejects_any_bytes(data: bytes):
    try:
        text, encoding = decode_text(data)
    except RejectedFile:
        return
    assert isinstance(text, str) and encoding in ("utf-8", "utf-8-sig", "gb18030")


def _check_table(table: RawTable) -> None:
    width = len(table.header)
    assert table.frame.columns == [f"c{i}" for i in range(width)] + ["_row_number"]
    numbers = table.frame.get_column("_row_number").to_list()
    assert numbers == sorted(set(numbers)) and all(n >= 2 for n in numbers)
    assert set(table.ragged) <= set(numbers)


@given(st.binary(max_size=400))
def test_read_csv_on_arbitrary_bytes_only_rejects(data: bytes):
    try:
        table = read_csv(data)
    except RejectedFile:
        return
    _check_table(table)


csv_line = st.lists(st.sampled_from(FRAGMENTS + ["a", "b", "1"]), max_size=6).map(",".join)
csv_shaped = st.one_of(
    st.lists(csv_line, max_size=8).map("\n".join),
    st.lists(st.sampled_from(FRAGMENTS + ["a", "b", "1"]), max_size=60).map("".join),
)


@given(csv_shaped)
def test_read_csv_on_csv_shaped_text_only_rejects(text: str):
    for encoding in ("utf-8", "gb18030"):
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        try:
            table = read_csv(data)
        except RejectedFile:
            continue
        _check_table(table)


cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff\r"),
    max_size=8,
)


@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda n: st.tuples(
            st.lists(
                cell.filter(lambda s: s.strip(" \t\n,\u3000\u00a0") != ""), min_size=n, max_size=n
            ),
            st.lists(st.lists(cell, min_size=n, max_size=n), max_size=6),
        )
    ),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_well_formed_csv_round_trips_cell_for_cell(table, encoding, line_end):
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    read = read_csv(data)
    assert read.header == header
    cells = [list(r[:-1]) for r in read.frame.rows()]
    # every record is one row, numbered from 2 as a spreadsheet does; an empty cell reads as
    # null, or as "" when quoted (the normaliser makes both null)
    assert [[c or None for c in r] for r in cells] == [[c or None for c in r] for r in rows]
    assert read.frame.get_column("_row_number").to_list() == list(range(2, len(rows) + 2))


# --- headers --------------------------------------------------------------------------------


@given(
    datasets.flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.lists(
                st.one_of(
                    st.sampled_from(header_names(DATASETS[name])),
                    any_text,
                ).flatmap(
                    lambda h: st.sampled_from([h, h.upper(), f" {h}\u3000", h.replace("(", "（")])
                ),
                max_size=20,
            ),
        )
    )
)
def test_match_header_maps_every_required_column_once_or_rejects(args):
    name, header = args
    ds = DATASETS[name]
    try:
        match = match_header(ds, header)
    except RejectedFile as exc:
        assert str(exc)
        return
    mapped = list(match.columns.values())
    assert len(mapped) == len(set(mapped))
    assert set(ds.required) <= set(mapped)
    assert set(match.columns) | set(match.extras) == set(range(len(header)))
    assert not set(match.columns) & set(match.extras)
    for i, canonical in match.columns.items():
        col = ds.column(canonical)
        assert normalise_label(header[i]) in (normalise_label(col.name), normalise_label(col.zh))


@given(datasets, st.randoms(use_true_random=False))
def test_header_order_case_and_language_do_not_change_the_mapping(name, rnd):
    ds = DATASETS[name]
    labels = [rnd.choice([c.name, c.zh, c.name.upper(), f"\u3000{c.zh} "]) for c in ds.columns]
    order = list(range(len(labels)))
    rnd.shuffle(order)
    match = match_header(ds, [labels[i] for i in order])
    assert {match.columns[pos]: order[pos] for pos in match.columns} == {
        c.name: i for i, c in enumerate(ds.columns)
    }


# --- row preparation ------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str | None]]) -> RawTable:
    width = len(header)
    frame = pl.DataFrame(
        {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)},
        schema={f"c{i}": pl.String for i in range(width)},
    ).with_columns(pl.int_range(2, len(rows) + 2, dtype=pl.Int32).alias("_row_number"))
    return RawTable(header=header, frame=frame, ragged={}, encoding="utf-8")


def _ids() -> list[str]:
    first = "33010619900312100"
    good = first + check_char(first)
    future = "33010620990101100"
    return [
        good,
        good.lower(),
        first + "X",
        first,
        f"{float(good):.5E}",
        future + check_char(future),
    ]


# Per contract type: forms that must load, and near misses that must not.
TYPE_FRAGMENTS = {
    "date": ["2024-03-05", "2024/3/5", "2024年3月5日", "2024-02-30", "0000-01-01", "0001-01-01",
             "9999-12-31", "1900-02-29", "45292", "2024-03-05 00:00:00", "24-3-5"],
    "month": ["2024-03", "2024/3", "2024年3月", "2024-13", "0000-01", "2024-03-31", "2024"],
    "integer": ["0", "-5", "12.0", "1,200", "12.5", "1e3", "9" * 20, "9" * 18, "+7"],
    "amount": ["0.005", "-2.345", "1,234.50", "9" * 15 + ".99", "1" + "0" * 16, "1e5", "(5)",
               "¥5", "5，000", "-0"],
    "number": ["101", "-1", "95.5", "NaN", "inf", "1e2", "0", "100"],
    "level": ["1", "7", "8", "0", "一级", "七级", "八级", "3级", "3.0"],
    "text": ["330100", "330106", "339999", "#N/A", "=SUM(A1)", "王建国", " ", "\u3000"],
}  # fmt: skip


def cell_for(col) -> st.SearchStrategy:  # noqa: ANN001
    if col.name == "id_number":
        typed = _ids()
    elif col.type == "enum":
        typed = [*col.enum, *col.enum.values(), "未知", *(c.upper() for c in col.enum)]
    else:
        typed = TYPE_FRAGMENTS[col.type]
    return st.one_of(st.sampled_from(typed), st.none(), any_text)


@st.composite
def submissions(draw):
    name = draw(datasets)
    ds = DATASETS[name]
    header = [c.name for c in ds.columns]
    n = draw(st.integers(min_value=0, max_value=8))
    rows = [[draw(cell_for(c)) for c in ds.columns] for _ in range(n)]
    return name, header, rows


@given(submissions())
def test_prepare_rows_splits_every_row_into_loaded_or_quarantined(args):
    name, header, rows = args
    ds = DATASETS[name]
    prepared = prepare_rows(
        ds, _table(header, rows), known_bureaus=KNOWN, identity_key=KEY, today=TODAY
    )
    loaded, quarantined = prepared.loaded, prepared.quarantined
    blank = {
        i + 2
        for i, r in enumerate(rows)
        if all((c or "").strip(" \t\r\n\u3000\u00a0") == "" for c in r)
    }
    numbers = (
        loaded.get_column("_row_number").to_list() + quarantined.get_column("_row_number").to_list()
    )
    # rows in = loaded + quarantined, every non-blank row exactly once
    assert prepared.rows_in == loaded.height + quarantined.height
    assert sorted(numbers) == sorted(set(range(2, len(rows) + 2)) - blank)
    assert all(len(r) > 0 for r in quarantined.get_column("reasons").to_list())

    # what loads keeps the contract
    for col in ds.columns:
        values = loaded.get_column(col.name)
        if col.required:
            assert values.null_count() == 0, col.name
        present = values.drop_nulls().to_list()
        if col.type == "enum":
            assert set(present) <= set(col.enum or {}), col.name
        if col.type == "level":
            assert all(1 <= v <= 7 for v in present)
        if col.type in ("date", "month"):
            assert all(v.year >= 1 for v in present)
            if col.type == "month":
                assert all(v.day == 1 for v in present)
        if col.min_value is not None:
            assert all(v >= col.min_value for v in present)
        if col.max_value is not None:
            assert all(v <= col.max_value for v in present)
        assert str(values.dtype).split("(")[0].lower() in _DTYPES[SQL_TYPES[col.type]]
    keys = loaded.select(ds.key).rows()
    assert len(keys) == len(set(keys))

    # reasons never repeat personal data
    pii = {c.name for c in ds.columns if c.pii}
    texts = {
        (v or "").strip()
        for r in rows
        for h, v in zip(header, r, strict=True)
        if h in pii and len((v or "").strip()) > 3
    }
    for reasons in quarantined.get_column("reasons").to_list():
        assert not any(t in reason for t in texts for reason in reasons)


_DTYPES = {
    "VARCHAR": {"string"},
    "DATE": {"date"},
    "BIGINT": {"int64"},
    "DECIMAL(18,2)": {"decimal"},
    "INTEGER": {"int32"},
    "DOUBLE": {"float64"},
}


# --- the normalisers ------------------------------------------------------------------------


def _parse(parser, texts: list[str | None]):  # noqa: ANN001
    frame = pl.DataFrame({"x": texts}, schema={"x": pl.String})
    value, error = parser(nz.clean(pl.col("x")))
    out = frame.select(value.alias("v"), error.alias("e"))
    return out.get_column("v").to_list(), out.get_column("e").to_list()


PARSERS = {
    "date": nz.parse_date,
    "month": nz.parse_month,
    "integer": nz.parse_integer,
    "amount": nz.parse_amount,
    "number": nz.parse_number,
    "level": nz.parse_level,
    "enum": lambda e: nz.parse_enum(e, {"duty": "勤务辅警", "county": "县（市）局"}),
    "id": lambda e: nz.id_number_check(e, pl.lit(TODAY)),
}


KIND_FRAGMENTS = {
    **TYPE_FRAGMENTS,
    "enum": ["duty", "DUTY", "勤务辅警", "县(市)局", "县（市）局", "未知"],
    "id": _ids(),
}


@pytest.mark.parametrize("kind", sorted(PARSERS))
@given(data=st.data())
def test_each_cell_either_parses_or_has_a_reason(kind, data):
    one = st.one_of(st.sampled_from(KIND_FRAGMENTS[kind]), st.none(), any_text)
    texts = data.draw(st.lists(one, min_size=1, max_size=20))
    values, errors = _parse(PARSERS[kind], texts)
    for text, value, error in zip(texts, values, errors, strict=True):
        empty = (text or "").strip(" \t\r\n\u3000\u00a0") == ""
        if empty:
            assert value is None and error is None
        elif kind == "id":
            continue  # the ID check returns the text itself; its reason alone decides
        else:
            assert (value is None) != (error is None), (text, value, error)
            if kind in ("date", "month") and value is not None:
                assert value.year >= 1


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_every_listed_date_form_parses_to_the_date(d: date):
    forms = [
        d.isoformat(),
        f"{d.year:04d}/{d.month}/{d.day}",
        f"{d.year:04d}年{d.month}月{d.day}日",
        f"{d.isoformat()} 00:00:00",
    ]
    values, errors = _parse(nz.parse_date, forms)
    assert values == [d] * 4 and errors == [None] * 4
    months, _ = _parse(
        nz.parse_month, [f"{d.year:04d}-{d.month:02d}", f"{d.year:04d}年{d.month}月", d.isoformat()]
    )
    assert months == [d.replace(day=1)] * 3


@given(st.decimals(min_value=-(10**14), max_value=10**14, places=4, allow_nan=False))
def test_amounts_round_half_up_exactly(amount: Decimal):
    text = f"{amount:f}"
    with_separators = f"{amount:,f}"
    values, errors = _parse(nz.parse_amount, [text, with_separators])
    want = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert values == [want, want] and errors == [None, None]


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_integers_with_separators_and_trailing_zero_parse(n: int):
    values, _ = _parse(nz.parse_integer, [str(n), f"{n:,}", f"{n}.0"])
    assert values == [n, n, n]


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["330106", "330122", "110101"]),
)
def test_valid_id_numbers_pass_and_any_changed_check_character_fails(birth, seq, region):
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    good = first17 + check_char(first17)
    bad = [first17 + c for c in "0123456789X" if c != good[-1]]
    _, errors = _parse(PARSERS["id"], [good, good.lower(), *bad])
    assert errors[:2] == [None, None]
    assert all(e is not None and "check digit" in e for e in errors[2:])


# --- XLSX -----------------------------------------------------------------------------------

xlsx_cell = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8),
    st.integers(min_value=-(10**12), max_value=10**12),
)


@settings(max_examples=40)
@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda n: st.lists(st.lists(xlsx_cell, min_size=n, max_size=n), min_size=1, max_size=6)
    ),
    st.integers(min_value=0, max_value=2),
)
def test_read_xlsx_only_rejects_and_numbers_rows_like_a_spreadsheet(tmp_path_factory, rows, above):
    path = tmp_path_factory.mktemp("x") / "s.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, int):
                ws.write_number(r + above, c, value)
            elif value is not None:
                ws.write_string(r + above, c, value)
    wb.close()
    try:
        table = read_xlsx(path)
    except RejectedFile:
        return
    _check_table(table)
    # the header is the first non-blank row; data rows keep their sheet row numbers
    first = next(i for i, r in enumerate(rows) if any(v is not None and str(v).strip() for v in r))
    assert table.frame.get_column("_row_number").to_list()[:1] in (
        [],
        [above + first + 2],
    )
