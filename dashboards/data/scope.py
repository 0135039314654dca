"""Who is looking: the viewer and the bureau codes they may see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dashboards.auth.roles import Role, sees_persons
from dashboards.data.db import fetch


@dataclass(frozen=True)
class Viewer:
    username: str
    role: Role
    bureau: str
    # the bureau codes of the user's subtree, from reporting.bureau_closure
    scope: tuple[str, ...]
    # the user's bureau is the city bureau (the root): sees city-wide rows without a bureau
    city_wide: bool

    @property
    def persons(self) -> bool:
        return sees_persons(self.role)

    def params(self, **extra: object) -> dict[str, object]:
        """Bound parameters every scoped query takes; no caller may replace the scope."""
        if "scope" in extra:
            raise ValueError("the viewer's scope is not a parameter a query may set")
        return {"scope": list(self.scope), **extra}


_SCOPE_SQL = """
with subtree as (
    select descendant_code
    from reporting.bureau_closure
    where ancestor_code = $bureau
),

root as (
    select count(*) > 0 as is_root
    from reporting.bureau_tree
    where bureau_code = $bureau and parent_code is null
),

final as (
    select
        coalesce(list(descendant_code order by descendant_code), []) as codes,
        (select is_root from root) as is_root
    from subtree
)

select * from final
"""


def make_viewer(warehouse: Path, username: str, role: Role, bureau: str) -> Viewer:
    """The viewer with their scope; an unknown bureau yields an empty scope (sees nothing)."""
    df = fetch(warehouse, _SCOPE_SQL, {"bureau": bureau})
    codes = tuple(df["codes"].iloc[0]) if len(df) else ()
    is_root = bool(df["is_root"].iloc[0]) if len(df) else False
    return Viewer(username, role, bureau, codes, is_root)
