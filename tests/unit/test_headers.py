"""Header matching in both languages."""

import pytest

from ingestion.errors import RejectedFile
from ingestion.headers import match_header
from ingestion.schemas import BUREAUS, ROSTER


def test_english_and_chinese_headers_case_and_spaces():
    match = match_header(
        BUREAUS, ["Bureau_Code", "\u3000单位名称 ", "上级单位代码", "BUREAU_LEVEL"]
    )
    assert match.columns == {
        0: "bureau_code",
        1: "bureau_name",
        2: "parent_code",
        3: "bureau_level",
    }
    assert match.extras == {}


def test_unknown_columns_are_kept_as_extras():
    match = match_header(BUREAUS, ["bureau_code", "bureau_name", "bureau_level", "备注", ""])
    assert match.extras == {3: "备注", 4: "第5列"}


def test_missing_required_column_rejects_the_file():
    with pytest.raises(RejectedFile, match="bureau_level"):
        match_header(BUREAUS, ["bureau_code", "bureau_name"])


def test_optional_columns_may_be_absent():
    required = [ROSTER.column(c).zh for c in ROSTER.required]
    match = match_header(ROSTER, required)
    assert set(match.columns.values()) == set(ROSTER.required)


def test_duplicated_column_rejects_the_file():
    with pytest.raises(RejectedFile, match=r"duplicated columns\): bureau_code"):
        match_header(BUREAUS, ["bureau_code", "单位代码", "bureau_name", "bureau_level"])
