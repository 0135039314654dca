"""Roles and what each may see.

Every role is scoped to its bureau's subtree (enforced in ``dashboards.data`` SQL); this
module says which pages a role opens and whether it may see person-level rows.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SUPERVISOR = "supervisor"  # person-level findings
    BUDGET_ANALYST = "budget_analyst"  # aggregates + quota sizing
    FINANCE = "finance"  # pay and insurance aggregates
    ORGANISATION = "organisation"  # quota and approvals
    DATA_STEWARD = "data_steward"  # data quality of their bureau


class PageKey(StrEnum):
    OVERVIEW = "overview"
    QUOTA = "quota"
    PAY = "pay"
    INSURANCE = "insurance"
    COMPLAINTS = "complaints"
    FINDINGS = "findings"
    PERSON = "person"  # one person's timeline (supervisors; every look-up audited)
    SIZING = "sizing"
    DATA_QUALITY = "data_quality"


# Page order is the navigation order.
PAGES: tuple[PageKey, ...] = tuple(PageKey)

_ACCESS: dict[Role, frozenset[PageKey]] = {
    Role.SUPERVISOR: frozenset(
        {
            PageKey.OVERVIEW,
            PageKey.QUOTA,
            PageKey.PAY,
            PageKey.INSURANCE,
            PageKey.COMPLAINTS,
            PageKey.FINDINGS,
            PageKey.PERSON,
            PageKey.DATA_QUALITY,
        }
    ),
    Role.BUDGET_ANALYST: frozenset(
        {
            PageKey.OVERVIEW,
            PageKey.QUOTA,
            PageKey.PAY,
            PageKey.INSURANCE,
            PageKey.COMPLAINTS,
            PageKey.FINDINGS,
            PageKey.SIZING,
        }
    ),
    Role.FINANCE: frozenset({PageKey.OVERVIEW, PageKey.PAY, PageKey.INSURANCE}),
    Role.ORGANISATION: frozenset(
        {PageKey.OVERVIEW, PageKey.QUOTA, PageKey.FINDINGS, PageKey.SIZING}
    ),
    Role.DATA_STEWARD: frozenset({PageKey.DATA_QUALITY}),
}


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {value!r}; one of: {names}") from None


def can_open(role: Role, page: PageKey) -> bool:
    return page in _ACCESS[role]


def pages_for(role: Role) -> list[PageKey]:
    return [p for p in PAGES if can_open(role, p)]


def sees_persons(role: Role) -> bool:
    """Only supervisors see person-level rows (person ids, complaint cases)."""
    return role is Role.SUPERVISOR
