"""Data-quality page: load ledger, rejected files, quarantined rows, checks and alerts.

Rows that name no bureau (a rejected file, a city-wide check) are shown to users of the
city bureau only; a district user sees the files whose rows name a bureau of their subtree
and, of each file, only those bureau codes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.data.db import fetch
from dashboards.data.scope import Viewer

# file paths are shown by name only: the inbox's folders are the server's business
_BASENAME = r"regexp_extract({col}, '[^/\\]+$')"


def ledger(warehouse: Path, viewer: Viewer) -> pd.DataFrame:
    sql = f"""
    with ledger as (
        select
            *,
            coalesce(try_cast(from_json(bureau_codes, '["VARCHAR"]') as varchar[]), [])
                as codes
        from ops.load_ledger
    ),

    final as (
        select
            load_id,
            run_id,
            dataset,
            {_BASENAME.format(col='file')} as file_name,
            status,
            rows_in,
            rows_loaded,
            rows_quarantined,
            rows_superseded,
            array_to_string(
                list_sort(
                    case when $city_wide then codes else list_intersect(codes, $scope) end
                ),
                ', '
            ) as bureau_codes,
            message,
            loaded_at
        from ledger
        where $city_wide or len(list_intersect(codes, $scope)) > 0
    )

    select * from final
    order by loaded_at desc, load_id desc
    """
    return fetch(warehouse, sql, viewer.params(city_wide=viewer.city_wide))


def quarantine(warehouse: Path, viewer: Viewer) -> pd.DataFrame:
    sql = f"""
    select
        quarantine.load_id,
        quarantine.dataset,
        {_BASENAME.format(col='quarantine.file')} as file_name,
        quarantine.row_number,
        quarantine.bureau_code,
        array_to_string(quarantine.reasons, '; ') as reasons
    from ops.quarantine as quarantine
    where $city_wide or list_contains($scope, quarantine.bureau_code)
    order by quarantine.load_id desc, quarantine.row_number
    """
    return fetch(warehouse, sql, viewer.params(city_wide=viewer.city_wide))


def alerts(warehouse: Path, viewer: Viewer, open_only: bool = True) -> pd.DataFrame:
    sql = """
    select
        alert_id,
        kind,
        check_name,
        dataset,
        bureau_code,
        severity,
        status,
        message,
        observed_value,
        opened_at,
        last_seen_at,
        resolved_at
    from ops.dq_alerts
    where ($city_wide or list_contains($scope, bureau_code))
        and (not $open_only or status = 'open')
    order by opened_at desc, alert_id
    """
    return fetch(
        warehouse, sql, viewer.params(city_wide=viewer.city_wide, open_only=open_only)
    )


def failed_checks(warehouse: Path, viewer: Viewer) -> pd.DataFrame:
    """Checks that failed in the latest run that recorded results."""
    sql = """
    with latest as (
        select run_id
        from ops.dq_results
        order by checked_at desc
        limit 1
    ),

    final as (
        select
            results.checked_at,
            results.check_name,
            results.dataset,
            results.bureau_code,
            results.severity,
            results.observed_value,
            results.threshold,
            results.unexpected_count,
            results.detail
        from ops.dq_results as results
        where results.run_id in (select run_id from latest)
            and not results.passed
            and ($city_wide or list_contains($scope, results.bureau_code))
    )

    select * from final
    order by severity, check_name
    """
    return fetch(warehouse, sql, viewer.params(city_wide=viewer.city_wide))
