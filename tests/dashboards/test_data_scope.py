"""The data-access layer enforces scope and person-level access in SQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboards.auth.roles import Role
from dashboards.data import (
    bureaus,
    complaints,
    findings,
    insurance,
    overview,
    pay,
    quality,
    quota,
    sizing,
)
from dashboards.data.db import TableMissing, fetch_uncached
from dashboards.data.guard import PersonLevelDenied
from dashboards.data.scope import Viewer, make_viewer
from tests.dashboards.published import CITY, COUNTY, DISTRICT_A, DISTRICT_B, STATION_A

A_CODES = {DISTRICT_A, STATION_A}


def viewer(wh: Path, role: Role = Role.SUPERVISOR, bureau: str = DISTRICT_A) -> Viewer:
    return make_viewer(wh, "t", role, bureau)


def codes_in(df: pd.DataFrame) -> set[str]:
    cols = [c for c in ("bureau_code",) if c in df.columns]
    return {str(v) for c in cols for v in df[c].dropna()}


def every_scoped_frame(wh: Path, v: Viewer, root: str) -> dict[str, pd.DataFrame]:
    month = overview.months(wh, v)[0] if overview.months(wh, v) else None
    frames = {
        "tree": bureaus.tree(wh, v),
        "quota.usage": quota.usage(wh, v, root),
        "quota.approvals": quota.approvals(wh, v, root),
        "pay.summary": pay.summary(wh, v, root),
        "pay.ghost_counts": pay.ghost_missing_counts(wh, v, root),
        "ins.coverage": insurance.coverage(wh, v, root),
        "ins.understated": insurance.understated_counts(wh, v, root),
        "ins.accident": insurance.accident_coverage(wh, v, root),
        "cmp.by_bureau": complaints.by_bureau(wh, v, root),
        "cmp.repeat_counts": complaints.repeat_counts(wh, v, root),
        "fnd": findings.findings(wh, v, findings.FindingFilters(root=root)),
        "dq.quarantine": quality.quarantine(wh, v),
        "dq.alerts": quality.alerts(wh, v),
        "dq.checks": quality.failed_checks(wh, v),
        "siz.costs": sizing.costs(wh, v, root),
    }
    if month is not None:
        frames["overview"] = overview.scorecard(wh, v, month)
    if v.persons:
        frames["pay.persons"] = pay.ghost_missing_persons(wh, v, root)
        frames["ins.gaps"] = insurance.gap_persons(wh, v, root)
        frames["cmp.overdue"] = complaints.open_overdue(wh, v, root)
        frames["cmp.repeat"] = complaints.repeat_persons(wh, v, root)
    return frames


def test_scope_is_the_subtree(published: Path) -> None:
    assert set(viewer(published).scope) == A_CODES
    assert not viewer(published).city_wide
    city = viewer(published, bureau=CITY)
    assert city.city_wide and {DISTRICT_A, DISTRICT_B, COUNTY, CITY} <= set(city.scope)
    assert viewer(published, bureau="999999").scope == ()


@pytest.mark.parametrize("role", list(Role))
def test_district_user_sees_only_its_subtree(published: Path, role: Role) -> None:
    v = viewer(published, role)
    frames = every_scoped_frame(published, v, DISTRICT_A)
    for name, df in frames.items():
        assert codes_in(df) <= A_CODES, name
        text = df.to_csv()
        for foreign in (DISTRICT_B, COUNTY, CITY):
            assert foreign not in text, (name, foreign)
    assert not frames["quota.usage"].empty and not frames["fnd"].empty


def test_selecting_a_foreign_root_returns_nothing(published: Path) -> None:
    """The page's bureau selection is intersected with the scope in SQL."""
    v = viewer(published)
    for name, df in every_scoped_frame(published, v, DISTRICT_B).items():
        if name in ("tree", "overview") or name.startswith("dq."):
            continue  # not filtered by the selected root
        assert df.empty, name


def test_selecting_an_ancestor_still_yields_only_the_scope(published: Path) -> None:
    """Selecting the city bureau (an ancestor) intersects its subtree with the scope."""
    v = viewer(published)
    df = findings.findings(published, v, findings.FindingFilters(root=CITY))
    assert not df.empty
    assert set(df["bureau_code"]) <= A_CODES


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SUPERVISOR])
def test_person_level_queries_refused_for_aggregate_roles(published: Path, role: Role) -> None:
    v = viewer(published, role)
    for fn in (
        pay.ghost_missing_persons,
        insurance.gap_persons,
        insurance.understated_persons,
        complaints.open_overdue,
        complaints.repeat_persons,
    ):
        with pytest.raises(PersonLevelDenied):
            fn(published, v, DISTRICT_A)
    rows = findings.findings(published, v, findings.FindingFilters(root=DISTRICT_A))
    assert set(rows["subject_type"]) <= {"bureau", "submission"}
    assert not rows.empty


def test_supervisor_gets_person_findings(published: Path) -> None:
    rows = findings.findings(published, viewer(published), findings.FindingFilters(root=DISTRICT_A))
    assert "person" in set(rows["subject_type"])


def test_finding_filters(published: Path) -> None:
    v = viewer(published)
    f = findings.FindingFilters(
        root=STATION_A,
        severities=("high",),
        rules=("Q01", "W01", "I05"),
        period_from=pd.Timestamp("2024-02-01").date(),
        period_to=pd.Timestamp("2024-04-01").date(),
    )
    rows = findings.findings(published, v, f)
    assert not rows.empty
    assert set(rows["bureau_code"]) == {STATION_A}
    assert set(rows["severity"]) == {"high"}
    assert set(rows["rule_id"]) <= {"Q01", "W01", "I05"}
    assert rows["period"].min() >= pd.Timestamp("2024-02-01")
    assert rows["period"].max() <= pd.Timestamp("2024-04-01")


def test_overview_rolls_up_and_hides_ancestors(published: Path) -> None:
    v = viewer(published)
    month = overview.months(published, v)[0]
    card = overview.scorecard(published, v, month).set_index("bureau_code")
    assert set(card.index) == A_CODES
    a, s = card.loc[DISTRICT_A], card.loc[STATION_A]
    assert a["subtree_total"] == a["own_total"] + s["own_total"]
    # the tree path starts at the viewer's bureau, not at the city bureau
    assert card.loc[STATION_A, "path"] == f"{DISTRICT_A}/{STATION_A}"


def test_data_quality_scoping(published: Path) -> None:
    district = quality.ledger(published, viewer(published, Role.DATA_STEWARD))
    assert set(district["load_id"]) == {1, 2}  # the bureaus file names A's codes too
    assert set(district.loc[district["load_id"] == 1, "bureau_codes"]) == {
        f"{DISTRICT_A}, {STATION_A}"
    }
    assert "rejected" not in set(district["status"])
    city = quality.ledger(published, viewer(published, Role.DATA_STEWARD, CITY))
    assert set(city["load_id"]) == {1, 2, 3, 4}
    assert "/" not in "".join(city["file_name"])  # names only, no server paths
    alerts = quality.alerts(published, viewer(published, Role.DATA_STEWARD, CITY))
    assert None in set(alerts["bureau_code"]) or alerts["bureau_code"].isna().any()


def test_missing_table_is_reported(tmp_path: Path) -> None:
    import duckdb

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(TableMissing):
        fetch_uncached(empty, "select * from marts.quota_usage")


def test_connections_are_read_only(published: Path) -> None:
    import duckdb

    with pytest.raises(duckdb.Error):
        fetch_uncached(published, "create table marts.x as select 1")
