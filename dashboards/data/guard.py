"""Checks and SQL pieces shared by the query modules."""

from __future__ import annotations

from dashboards.data.scope import Viewer

# A row's bureau must be in the viewer's scope and in the subtree of the bureau the page
# has selected ($root). A selected bureau outside the scope therefore yields no rows:
# changing the selection (or the URL) cannot widen what a user sees.
IN_SCOPE = "list_contains($scope, {col})"
IN_SELECTED_SUBTREE = (
    "list_contains($scope, {col}) and {col} in ("
    "select descendant_code from reporting.bureau_closure where ancestor_code = $root)"
)


def scoped(col: str) -> str:
    return IN_SCOPE.format(col=col)


def scoped_subtree(col: str) -> str:
    return IN_SELECTED_SUBTREE.format(col=col)


class PersonLevelDenied(PermissionError):
    """Person-level rows asked for by a role that may only see aggregates."""


def require_persons(viewer: Viewer) -> None:
    if not viewer.persons:
        raise PersonLevelDenied(f"role {viewer.role.value} sees aggregates only")
