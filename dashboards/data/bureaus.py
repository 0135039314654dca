"""The bureau tree, limited to the viewer's scope."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.data.db import TableMissing, WarehouseUnavailable, fetch
from dashboards.data.guard import scoped
from dashboards.data.scope import Viewer


def tree(warehouse: Path, viewer: Viewer) -> pd.DataFrame:
    """The viewer's subtree in tree order: bureau_code, bureau_name, parent_code,
    bureau_level, depth (relative to the viewer's bureau), path, child_count."""
    sql = f"""
    with tree as (
        select * from reporting.bureau_tree
        where {scoped('bureau_code')}
    ),

    base as (
        select min(depth) as base_depth from tree
    ),

    final as (
        select
            tree.bureau_code,
            tree.bureau_name,
            -- the viewer's own bureau's parent is outside their scope
            case when list_contains($scope, tree.parent_code) then tree.parent_code end
                as parent_code,
            tree.bureau_level,
            tree.depth - base.base_depth as depth,
            -- relative to the viewer's bureau: ancestors above it are not theirs to see
            substr(
                tree.path,
                (select length(me.path) - length(me.bureau_code) + 1
                 from reporting.bureau_tree as me where me.bureau_code = $me)
            ) as path,
            tree.child_count
        from tree
        cross join base
    )

    select * from final
    order by path
    """
    return fetch(warehouse, sql, viewer.params(me=viewer.bureau))


def names(warehouse: Path, viewer: Viewer) -> dict[str, str]:
    df = tree(warehouse, viewer)
    return dict(zip(df["bureau_code"], df["bureau_name"], strict=True))


def display_name(warehouse: Path, bureau: str) -> str:
    """'上城区公安分局（330102）' for a user's own bureau; the bare code if the published
    tree does not know it (or is not there)."""
    try:
        df = fetch(
            warehouse,
            "select bureau_name from reporting.bureau_tree where bureau_code = $bureau",
            {"bureau": bureau},
        )
    except (TableMissing, WarehouseUnavailable):
        return bureau
    return f"{df['bureau_name'].iloc[0]}（{bureau}）" if len(df) else bureau
