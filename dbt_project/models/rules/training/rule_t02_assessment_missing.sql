-- T02 (第十五条): no annual assessment for year Y of a person who worked at least
-- policy.assessment_min_days days in Y, once the assessment season is over ((Y+1)-03-31 < as_of).
-- The person's active days are the distinct calendar days on which any of the person's roster
-- rows is active: a day shown by two rows (a transfer month listed by both bureaus) counts once.
-- Bureau: that of the person's last active roster row in Y by (snapshot_month, bureau_code).
with active_rows as (
    -- only years whose assessment season is over can fire
    select * from {{ ref('int_roster__active_days') }}
    where is_active
        and make_date(cast(year(snapshot_month) as integer) + 1, 3, 31) < {{ as_of() }}
),

assessments as (
    select * from {{ ref('int_assessments__known') }}
),

row_counts as (
    select
        person_id,
        snapshot_month,
        count(*) as active_rows
    from active_rows
    group by person_id, snapshot_month
),

single_row_days as (
    -- the usual case: one active row in the month, its days count as they are
    select
        active_rows.person_id,
        active_rows.snapshot_month,
        datediff('day', active_rows.active_from, active_rows.active_to) + 1 as days
    from active_rows
    inner join row_counts
        on row_counts.person_id = active_rows.person_id
        and row_counts.snapshot_month = active_rows.snapshot_month
    where row_counts.active_rows = 1
),

multi_rows as (
    -- several active rows of the person in one month (a transfer, a duplicate): rows of one
    -- person overlap only within a month, so their ranges are merged per person and month
    select active_rows.*
    from active_rows
    inner join row_counts
        on row_counts.person_id = active_rows.person_id
        and row_counts.snapshot_month = active_rows.snapshot_month
    where row_counts.active_rows > 1
),

ordered as (
    select
        person_id,
        snapshot_month,
        active_from,
        active_to,
        max(active_to) over (
            partition by person_id, snapshot_month
            order by active_from, active_to
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from multi_rows
),

numbered as (
    select
        *,
        sum(case when reach_before is null or active_from > reach_before then 1 else 0 end) over (
            partition by person_id, snapshot_month
            order by active_from, active_to
            rows between unbounded preceding and current row
        ) as island
    from ordered
),

merged_days as (
    select
        person_id,
        snapshot_month,
        datediff('day', min(active_from), max(active_to)) + 1 as days
    from numbered
    group by person_id, snapshot_month, island
),

person_month_days as (
    select * from single_row_days
    union all
    select * from merged_days
),

person_years as (
    select
        person_id,
        cast(year(snapshot_month) as bigint) as year,
        sum(days) as days_worked
    from person_month_days
    group by person_id, year(snapshot_month)
),

last_bureau as (
    -- the bureau of the last active row in Y, ordered by (snapshot_month, bureau_code)
    select
        person_id,
        cast(year(snapshot_month) as bigint) as year,
        arg_max(bureau_code, (snapshot_month, bureau_code)) as bureau_code
    from active_rows
    group by person_id, year(snapshot_month)
),

missing as (
    select
        person_years.person_id,
        person_years.year,
        person_years.days_worked,
        last_bureau.bureau_code
    from person_years
    inner join last_bureau
        on last_bureau.person_id = person_years.person_id
        and last_bureau.year = person_years.year
    left join assessments
        on assessments.person_id = person_years.person_id
        and assessments.year = person_years.year
    where person_years.days_worked >= {{ policy_int('assessment_min_days') }}
        and assessments.person_id is null
),

final as (
    select
        cast('T02' as varchar) as rule_id,
        cast('第十五条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(make_date(cast(year as integer), 1, 1) as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(days_worked as double) as measured,
        cast({{ policy_int('assessment_min_days') }} as double) as threshold,
        cast(
            '辅警' || person_id || '在' || year || '年度在岗' || days_worked || '天，无该年度考核结果。'
            as varchar
        ) as detail
    from missing
)

select * from final
