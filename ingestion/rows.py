"""Turn a read file into typed rows to load and rows to quarantine, with every reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from ingestion import normalise as nz
from ingestion.errors import RejectedFile
from ingestion.headers import HeaderMatch, match_header
from ingestion.identity import hash_column
from ingestion.masking import looks_personal
from ingestion.readers import RawTable
from ingestion.schemas import BUREAU_SCOPED, PAYROLL_ZERO_WHEN_EMPTY, SQL_TYPES, Dataset

_POLARS_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "DATE": pl.Date(),
    "BIGINT": pl.Int64(),
    "DECIMAL(18,2)": pl.Decimal(18, 2),
    "INTEGER": pl.Int32(),
    "DOUBLE": pl.Float64(),
}


@dataclass(frozen=True)
class PreparedRows:
    # typed rows, columns in raw-table order (without bookkeeping), plus _row_number, _extra
    loaded: pl.DataFrame
    # _row_number, bureau_code (the row's bureau when its code is a known bureau's, else
    # null: the column is published), reasons (list[str]), raw_values (JSON)
    quarantined: pl.DataFrame
    rows_in: int
    # the bureaus the file's rows name, loaded or quarantined, for the (published) ledger:
    # only codes of known bureaus (or, in a bureaus file, the bureaus it loads)
    bureau_codes: list[str] | None = None


_EXCEL_ERRORS = (
    "#N/A",
    "#REF!",
    "#VALUE!",
    "#DIV/0!",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#GETTING_DATA",
)


def _unique_labels(extras: dict[int, str]) -> dict[int, str]:
    """Unknown columns keyed by their header text; a repeated text gets a suffix (JSON keys and
    struct fields must be unique, and a repeated unknown column is no reason to reject a file)."""
    out: dict[int, str] = {}
    used: set[str] = set()
    for i, label in extras.items():
        name, n = label, 1
        while name in used:
            n += 1
            name = f"{label} ({n})"
        used.add(name)
        out[i] = name
    return out


def _parse(col_type: str, expr: pl.Expr, enum: dict[str, str] | None) -> nz.Parsed:
    if col_type == "text":
        return expr, pl.lit(None, dtype=pl.String)
    if col_type == "date":
        return nz.parse_date(expr)
    if col_type == "month":
        return nz.parse_month(expr)
    if col_type == "integer":
        return nz.parse_integer(expr)
    if col_type == "amount":
        return nz.parse_amount(expr)
    if col_type == "number":
        return nz.parse_number(expr)
    if col_type == "level":
        return nz.parse_level(expr)
    if col_type == "enum":
        assert enum is not None
        return nz.parse_enum(expr, enum)
    raise ValueError(col_type)


# Personal data typed into a column that is not personal (an ID number as the person's
# number, a phone in a complaint's category): such a column reaches the published marts and
# reports, so the row is quarantined with this reason and its value stays in the raw layer.
# Identifiers that become a finding's subject (person, complaint, bureau codes) are refused
# on any 18-character run, exactly what the marts' privacy check looks for; free text on a
# run of exactly an ID number's or a mobile number's length (a longer reference number is
# neither).
_ID_RUN = r"[0-9]{17}[0-9Xx]"
_EXACT_RUN = r"(?:^|[^0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15}|1[3-9][0-9]{9})(?:[^0-9Xx]|$)"
_SUBJECT_IDENTIFIERS = frozenset({"bureau_code", "parent_code", "person_id", "complaint_id"})
PERSONAL_DATA_REASON = "疑似身份证号或手机号，个人信息不能填在此列 (looks like an ID or phone number)"


def _personal_shape(name: str, src: pl.Expr) -> pl.Expr:
    """True where a non-personal text cell holds something shaped like personal data."""
    if name in _SUBJECT_IDENTIFIERS:
        return src.str.contains(_ID_RUN) | src.str.contains(_EXACT_RUN)
    return src.str.contains(_EXACT_RUN)


# Below this many rows the extra unique and join passes cost more than they save.
_BY_DISTINCT_MIN_ROWS = 2000


def _typed_columns(
    text: pl.DataFrame, columns: list[tuple[str, list[pl.Expr], bool]]
) -> pl.DataFrame:
    """Evaluate each (cell column, expressions, worth deduplicating) over `text`.

    Every expression's result for a row depends on that row's cell alone. A file repeats
    most of its dates, months, codes and amounts (one month for the whole file, a few
    hundred pay amounts over thousands of rows), and parsing one is a dozen regex and cast
    passes: in a large file such a column is parsed once per distinct text and the results
    joined back in row order. The other columns are evaluated together, row by row.
    """
    direct: list[pl.Expr] = []
    parts: list[pl.DataFrame] = []
    for name, exprs, by_distinct in columns:
        distinct = None
        if by_distinct and text.height >= _BY_DISTINCT_MIN_ROWS:
            distinct = text.select(name).unique()
            if distinct.height * 2 > text.height:
                distinct = None
        if distinct is None:
            direct += exprs
            continue
        # The outputs may reuse the cell column's name: join on the cell under another name.
        outputs = [e.meta.output_name() for e in exprs]
        parsed = distinct.select(
            pl.col(name).alias("_cell"), *[e.alias(f"_out{k}") for k, e in enumerate(exprs)]
        )
        joined = text.select(name).join(
            parsed,
            left_on=name,
            right_on="_cell",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        parts.append(joined.select(pl.col(f"_out{k}").alias(o) for k, o in enumerate(outputs)))
    if direct:
        parts.append(text.select(direct))
    return pl.concat(parts, how="horizontal")


def prepare_rows(
    ds: Dataset,
    table: RawTable,
    *,
    known_bureaus: set[str],
    identity_key: bytes,
    today: date,
) -> PreparedRows:
    """The rows of one file to load and to quarantine; a file that cannot load raises."""
    (result,) = prepare_many(
        ds, [table], known_bureaus=known_bureaus, identity_key=identity_key, today=today
    )
    if isinstance(result, RejectedFile):
        raise result
    return result


@dataclass(frozen=True)
class _Shaped:
    """One file after header matching and trimming, before any cell is typed."""

    match: HeaderMatch
    extras: dict[int, str]  # unknown columns, by unique label
    cells: pl.DataFrame  # trimmed cells c0..c{n-1} and _row_number; blank rows dropped
    ragged: dict[int, int]


def _shape(ds: Dataset, table: RawTable) -> _Shaped:
    match = match_header(ds, table.header)
    frame = table.frame
    # Cells as text, trimmed; blank rows are skipped and counted nowhere.
    cell_cols = [c for c in frame.columns if c != "_row_number"]
    frame = frame.with_columns([nz.clean(pl.col(c)).alias(c) for c in cell_cols])
    if cell_cols:
        frame = frame.filter(~pl.all_horizontal([pl.col(c).is_null() for c in cell_cols]))
    return _Shaped(match, _unique_labels(match.extras), frame, table.ragged)


def _canonical(ds: Dataset, shaped: _Shaped, file_index: int) -> pl.DataFrame:
    """The file's cells under the dataset's column names (null where the file lacks one),
    its unknown columns as JSON, and which file of the batch the row comes from."""
    by_name = {name: i for i, name in shaped.match.columns.items()}
    if shaped.extras:
        extra = pl.struct([pl.col(f"c{i}").alias(name) for i, name in shaped.extras.items()])
        extra_json = extra.struct.json_encode()
    else:
        extra_json = pl.lit(None, dtype=pl.String)
    return shaped.cells.select(
        pl.lit(file_index, dtype=pl.Int32).alias("_file"),
        pl.col("_row_number"),
        extra_json.alias("_extra"),
        *[
            pl.col(f"c{by_name[c.name]}").alias(c.name)
            if c.name in by_name
            else pl.lit(None, dtype=pl.String).alias(c.name)
            for c in ds.columns
        ],
    )


def _column_exprs(ds: Dataset, today: date) -> list[tuple[str, list[pl.Expr], bool]]:
    """Per dataset column: (cell column, [typed value, reason], worth parsing per distinct)."""
    columns: list[tuple[str, list[pl.Expr], bool]] = []
    for col in ds.columns:
        src = pl.col(col.name)
        if col.name == "id_number":
            value, error = nz.id_number_check(src, pl.lit(today))
        else:
            value, error = _parse(col.type, src, col.enum)
        if ds.name == "payroll" and col.name in PAYROLL_ZERO_WHEN_EMPTY:
            value = pl.when(src.is_null()).then(pl.lit(0).cast(pl.Decimal(18, 2))).otherwise(value)
        label = f"{col.zh}({col.name})"
        # An Excel error value (#N/A from a failed lookup...) is neither data nor an empty cell.
        error = (
            pl.when(src.is_in(list(_EXCEL_ERRORS)))
            .then(pl.lit("Excel 错误值 (Excel error value)"))
            .otherwise(error)
        )
        if col.required:
            error = (
                pl.when(src.is_null())
                .then(pl.lit("缺少必填项 (missing required value)"))
                .otherwise(error)
            )
        if col.type == "text" and not col.pii:
            error = pl.coalesce(
                [error, pl.when(_personal_shape(col.name, src)).then(pl.lit(PERSONAL_DATA_REASON))]
            )
        if col.min_value is not None or col.max_value is not None:
            lo = col.min_value if col.min_value is not None else float("-inf")
            hi = col.max_value if col.max_value is not None else float("inf")
            error = pl.coalesce(
                [
                    error,
                    pl.when(value.is_not_null() & ((value < lo) | (value > hi))).then(
                        pl.lit(f"超出允许范围 (out of range {lo:g}..{hi:g})")
                    ),
                ]
            )
        value = value.cast(_POLARS_TYPES[SQL_TYPES[col.type]]).alias(col.name)
        error = (pl.lit(label + "：") + error).alias(f"_err_{col.name}")
        # Free text needs no parsing, and ID numbers are nearly all distinct.
        by_distinct = col.type != "text" and col.name != "id_number"
        columns.append((col.name, [value, error], by_distinct))
    return columns


def prepare_many(
    ds: Dataset,
    tables: Sequence[RawTable],
    *,
    known_bureaus: set[str],
    identity_key: bytes,
    today: date,
) -> list[PreparedRows | RejectedFile]:
    """`prepare_rows` of each table, typed and checked together in one pass.

    Every check is a function of a row, or of a row and the other rows *of its own file*
    (the duplicate-key check), so the result for each file is exactly what preparing it alone
    gives; tests/unit/test_ingest_rows_batch.py holds that on the bad-input corpus. What the
    batch saves is polars' fixed cost per expression and per frame, paid once per batch
    instead of once per file: most submissions are a few thousand rows. A bureaus file checks
    parent codes against the other rows of its own file, so bureaus files go one at a time.
    """
    if ds.name == "bureaus" and len(tables) > 1:
        return [
            one
            for table in tables
            for one in prepare_many(
                ds, [table], known_bureaus=known_bureaus, identity_key=identity_key, today=today
            )
        ]
    results: list[PreparedRows | RejectedFile | None] = [None] * len(tables)
    shaped: dict[int, _Shaped] = {}
    for k, table in enumerate(tables):
        try:
            shaped[k] = _shape(ds, table)
        except RejectedFile as exc:
            results[k] = exc
    if not shaped:
        return [r for r in results if r is not None]

    names = [c.name for c in ds.columns]
    text = pl.concat([_canonical(ds, s, k) for k, s in shaped.items()], how="vertical")
    typed = _typed_columns(text.select(names), _column_exprs(ds, today)).select(
        names + [f"_err_{n}" for n in names]
    )
    out = pl.concat(
        [
            text.select(
                "_file", "_row_number", "_extra", *[pl.col(n).alias(f"_src_{n}") for n in names]
            ),
            typed,
        ],
        how="horizontal",
    )
    row_errors = [pl.col(f"_err_{n}") for n in names]

    # Ragged rows: more cells than the header.
    ragged_rows = [(k, row, cells) for k, s in shaped.items() for row, cells in s.ragged.items()]
    if ragged_rows:
        ragged = pl.DataFrame(
            ragged_rows,
            schema={"_file": pl.Int32, "_row_number": pl.Int32, "_cells": pl.Int64},
            orient="row",
        )
        out = out.join(ragged, on=["_file", "_row_number"], how="left").sort("_file", "_row_number")
        row_errors.append(
            pl.when(pl.col("_cells").is_not_null()).then(
                pl.lit("该行单元格数多于表头 (row has more cells than the header)")
            )
        )

    # Unknown bureau.
    if ds.name in BUREAU_SCOPED:
        row_errors.append(
            pl.when(
                pl.col("bureau_code").is_not_null()
                & ~pl.col("bureau_code").is_in(sorted(known_bureaus))
            ).then(pl.lit("单位代码(bureau_code)：未知单位 (unknown bureau)"))
        )
    if ds.name == "bureaus":
        listed = out.get_column("bureau_code").drop_nulls().unique().to_list()
        parents_ok = sorted(known_bureaus | set(listed))
        row_errors.append(
            pl.when(
                pl.col("parent_code").is_not_null() & ~pl.col("parent_code").is_in(parents_ok)
            ).then(pl.lit("上级单位代码(parent_code)：未知上级单位 (unknown parent bureau)"))
        )

    # Duplicate row key within the file: the first occurrence stands, later ones are quarantined.
    # A key cell keys on its typed value, and on its text when it did not parse (so no typed
    # value equals it).
    key_parts = [
        part
        for k in ds.key
        for part in (
            pl.col(k).alias(f"_key_{k}"),
            pl.when(pl.col(k).is_null()).then(pl.col(f"_src_{k}")).alias(f"_key_src_{k}"),
        )
    ]
    row_errors.append(
        pl.when(~pl.struct([pl.col("_file"), *key_parts]).is_first_distinct()).then(
            pl.lit("与文件中前面的行重复 (duplicate row key: " + ", ".join(ds.key) + ")")
        )
    )

    # Each reason as a column, over all rows (the duplicate check compares rows with each
    # other); the list of a row's reasons only for the few rows that have one.
    reason_columns = [f"_reason{k}" for k in range(len(row_errors))]
    out = out.with_columns(
        e.alias(c) for e, c in zip(row_errors, reason_columns, strict=True)
    ).with_columns(pl.any_horizontal(pl.col(c).is_not_null() for c in reason_columns).alias("_bad"))
    bad = pl.col("_bad")

    loaded = out.filter(~bad).select([*names, "_row_number", "_extra", "_file"])
    if ds.name == "roster":
        loaded = loaded.with_columns(
            hash_column(loaded, "id_number", identity_key).alias("id_hash"),
            nz.birth_date(pl.col("id_number")).alias("birth_date"),
        )
    # A quarantined row's bureau code was not validated: it is the row's bureau (published
    # in ops.quarantine, alerts go to that bureau) only when it is a known bureau's code.
    # Anything else — swapped headers put ID numbers and names there — stays in raw_values:
    # the reason and the row number tell the sender where to look, and a reason never
    # repeats a cell (a value of any column may be personal).
    written = pl.col("_src_bureau_code")
    bad_rows = out.filter(bad).select(
        "_file",
        "_row_number",
        pl.when(written.is_in(sorted(known_bureaus))).then(written).alias("bureau_code")
        if "bureau_code" in names
        else pl.lit(None, dtype=pl.String).alias("bureau_code"),
        pl.concat_list(reason_columns).list.drop_nulls().alias("reasons"),
        (written.is_in(sorted(known_bureaus)) if "bureau_code" in names else pl.lit(False)).alias(
            "_known"
        ),
    )
    loaded_by_file = _split(loaded)
    bad_by_file = _split(bad_rows)
    for k, s in shaped.items():
        file_loaded = loaded_by_file.get(k)
        file_bad = bad_by_file.get(k)
        file_loaded = loaded.clear().drop("_file") if file_loaded is None else file_loaded
        file_bad = bad_rows.clear().drop("_file") if file_bad is None else file_bad
        results[k] = PreparedRows(
            loaded=file_loaded,
            quarantined=_quarantined(s, file_bad.drop("_known")),
            rows_in=s.cells.height,
            bureau_codes=_ledger_bureaus(file_loaded, file_bad) if "bureau_code" in names else None,
        )
    return [r for r in results if r is not None]


def _ledger_bureaus(loaded: pl.DataFrame, bad: pl.DataFrame) -> list[str]:
    """The codes a file's rows name that may be published: its loaded rows' (validated:
    known bureaus, or the bureaus a bureaus file defines) and its quarantined rows' known
    ones; never one that looks like an ID number, a phone or a name."""
    codes = set(loaded.get_column("bureau_code").drop_nulls().to_list())
    codes |= set(bad.filter(pl.col("_known")).get_column("bureau_code").drop_nulls().to_list())
    return sorted(c for c in codes if not looks_personal(c))


def _split(frame: pl.DataFrame) -> dict[int, pl.DataFrame]:
    """Rows by file of the batch, in their order, without the file column."""
    parts = frame.partition_by("_file", as_dict=True, maintain_order=True, include_key=False)
    return {int(key[0]): part for key, part in parts.items()}


def _quarantined(shaped: _Shaped, bad: pl.DataFrame) -> pl.DataFrame:
    """The file's rows that do not load, with every reason and the row as read."""
    # The row as read, kept (raw layer only) so a steward can see what was sent.
    raw_json = pl.struct(
        [pl.col(f"c{i}").alias(name) for i, name in shaped.match.columns.items()]
        + [pl.col(f"c{i}").alias(name) for i, name in shaped.extras.items()]
    ).struct.json_encode()
    raw_values = shaped.cells.join(bad.select("_row_number"), on="_row_number", how="semi").select(
        "_row_number", raw_json.alias("raw_values")
    )
    return (
        bad.select(
            "_row_number",
            pl.col("bureau_code").cast(pl.String),
            "reasons",
        )
        .join(raw_values, on="_row_number", how="left")
        .sort("_row_number")
    )
