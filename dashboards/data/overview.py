"""Overview: marts.bureau_scorecard over the viewer's subtree."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from dashboards.data.db import fetch
from dashboards.data.guard import scoped
from dashboards.data.scope import Viewer

SEVERITIES = ("high", "medium", "low", "total")
DOMAINS = (
    "quota",
    "posts",
    "recruitment",
    "training",
    "pay",
    "insurance",
    "departure",
    "complaints",
    "identity",
    "submissions",
)
MEASURES = SEVERITIES + DOMAINS

def scorecard_column(kind: str, measure: str) -> str:
    """marts.bureau_scorecard's column for a measure: ``findings_<m>`` (the bureau's own)
    or ``subtree_findings_<m>`` (rolled up over its subtree)."""
    return f"findings_{measure}" if kind == "own" else f"subtree_findings_{measure}"


def months(warehouse: Path, viewer: Viewer) -> list[date]:
    sql = f"""
    select distinct month
    from marts.bureau_scorecard
    where {scoped('bureau_code')}
    order by month desc
    """
    df = fetch(warehouse, sql, viewer.params())
    return [pd.Timestamp(m).date() for m in df["month"]]


def scorecard(warehouse: Path, viewer: Viewer, month: date) -> pd.DataFrame:
    """One row per bureau of the viewer's subtree, in tree order, with the month's own and
    rolled-up counts (0 where the bureau has no scorecard row that month)."""
    measures = ",\n        ".join(
        f"coalesce(card.{scorecard_column(k, m)}, 0) as {k}_{m}"
        for k in ("own", "subtree")
        for m in MEASURES
    )
    sql = f"""
    with tree as (
        select * from reporting.bureau_tree
        where {scoped('bureau_code')}
    ),

    card as (
        select * from marts.bureau_scorecard
        where {scoped('bureau_code')} and month = $month
    ),

    final as (
        select
            tree.bureau_code,
            tree.bureau_name,
            -- the viewer's own bureau's parent is outside their scope
            case when list_contains($scope, tree.parent_code) then tree.parent_code end
                as parent_code,
            tree.depth - min(tree.depth) over () as depth,
            -- relative to the viewer's bureau: ancestors above it are not theirs to see
            substr(
                tree.path,
                (select length(me.path) - length(me.bureau_code) + 1
                 from reporting.bureau_tree as me where me.bureau_code = $me)
            ) as path,
            {measures}
        from tree
        left join card
            on tree.bureau_code = card.bureau_code
    )

    select * from final
    order by path
    """
    return fetch(warehouse, sql, viewer.params(month=month, me=viewer.bureau))


def trend(warehouse: Path, viewer: Viewer, bureau: str, kind: str = "subtree") -> pd.DataFrame:
    """The bureau's findings per month (month, high, medium, low, total), rolled up over
    its subtree or its own (``kind``)."""
    cols = ", ".join(f"{scorecard_column(kind, s)} as {s}" for s in SEVERITIES)
    sql = f"""
    select month, {cols}
    from marts.bureau_scorecard
    where {scoped('bureau_code')} and bureau_code = $bureau
    order by month
    """
    return fetch(warehouse, sql, viewer.params(bureau=bureau))
