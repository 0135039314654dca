-- R04 (第九条): an auxiliary active in month M on a day that no labour contract covers. The
-- contracts are the periods [contract_start, contract_end] shown by the person's roster rows of
-- the same bureau up to M (rows lacking either date, or with end before start, show none).
-- Coverage is checked on date ranges, not days: the periods that touch the row's active range
-- are clipped to it and merged into islands (gaps-and-islands; adjacent periods such as
-- ...-15 and 16-... merge), and the days the islands do not cover are counted.
with roster as (
    select * from {{ ref('int_roster__active_days') }}
),

active_rows as (
    select
        bureau_code,
        snapshot_month,
        person_id,
        active_from,
        active_to,
        datediff('day', active_from, active_to) + 1 as active_days,
        -- fast path: the row's own contract (shown by the row itself, so "up to M") usually
        -- covers the whole active range; only the other rows need the union of periods
        coalesce(contract_start <= active_from and contract_end >= active_to, false)
            as covered_by_own_contract
    from roster
    where is_active
),

to_check as (
    select *
    from active_rows
    where not covered_by_own_contract
),

contract_periods as (
    -- each distinct period once per bureau and person, with the first month a row showed it
    select
        bureau_code,
        person_id,
        contract_start,
        contract_end,
        min(snapshot_month) as first_shown_month
    from roster
    where contract_start is not null
        and contract_end is not null
        and contract_start <= contract_end
    group by bureau_code, person_id, contract_start, contract_end
),

clipped as (
    -- periods known by M that touch the row's active range, clipped to that range
    select
        to_check.bureau_code,
        to_check.snapshot_month,
        to_check.person_id,
        greatest(contract_periods.contract_start, to_check.active_from) as covered_from,
        least(contract_periods.contract_end, to_check.active_to) as covered_to
    from to_check
    inner join contract_periods
        on contract_periods.bureau_code = to_check.bureau_code
        and contract_periods.person_id = to_check.person_id
        and contract_periods.first_shown_month <= to_check.snapshot_month
        and contract_periods.contract_start <= to_check.active_to
        and contract_periods.contract_end >= to_check.active_from
),

flagged as (
    select
        *,
        max(covered_to) over (
            partition by bureau_code, snapshot_month, person_id
            order by covered_from, covered_to
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from clipped
),

numbered as (
    select
        *,
        -- a new island starts where this period neither overlaps nor abuts the earlier ones
        sum(case when reach_before is null or covered_from > reach_before + 1 then 1 else 0 end) over (
            partition by bureau_code, snapshot_month, person_id
            order by covered_from, covered_to
            rows between unbounded preceding and current row
        ) as island
    from flagged
),

islands as (
    select
        bureau_code,
        snapshot_month,
        person_id,
        datediff('day', min(covered_from), max(covered_to)) + 1 as island_days
    from numbered
    group by bureau_code, snapshot_month, person_id, island
),

covered as (
    select
        bureau_code,
        snapshot_month,
        person_id,
        sum(island_days) as covered_days
    from islands
    group by bureau_code, snapshot_month, person_id
),

uncovered as (
    select
        to_check.bureau_code,
        to_check.snapshot_month,
        to_check.person_id,
        to_check.active_days - coalesce(covered.covered_days, 0) as uncovered_days
    from to_check
    left join covered
        on covered.bureau_code = to_check.bureau_code
        and covered.snapshot_month = to_check.snapshot_month
        and covered.person_id = to_check.person_id
),

final as (
    select
        cast('R04' as varchar) as rule_id,
        cast('第九条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(snapshot_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(uncovered_days as double) as measured,
        cast(null as double) as threshold,
        cast(
            strftime(snapshot_month, '%Y年%-m月') || '辅警' || person_id || '有' || uncovered_days
            || '天在岗日期不在劳动合同期限内。'
            as varchar
        ) as detail
    from uncovered
    where uncovered_days > 0
)

select * from final
