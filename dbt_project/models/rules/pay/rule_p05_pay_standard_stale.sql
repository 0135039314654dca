-- P05 (第二十一条): the pay standard must be adjusted dynamically. For each year Y with
-- roster data, with end = least(Y-12-31, as_of), some pay_standards row must take effect in
-- (end - pay_standard_max_age_months calendar months, end]. One finding per year, against
-- the city bureau (it sets the standard).
{%- set max_age = policy_int('pay_standard_max_age_months') %}
with roster_years as (

    select distinct year(snapshot_month) as year
    from {{ ref('int_roster__known') }}

),

pay_standards as (

    select distinct effective_from
    from {{ ref('stg_submissions__pay_standards') }}

),

-- The one bureau without a parent; min() only guards against a malformed catalogue.
city_bureau as (

    select min(bureau_code) as bureau_code
    from {{ ref('stg_submissions__bureaus') }}
    where parent_code is null

),

windows as (

    select
        year,
        least(make_date(year, 12, 31), {{ as_of() }}) as window_end
    from roster_years

),

-- DuckDB month arithmetic clamps to the last day of a shorter month
-- (2024-03-31 - 1 month = 2024-02-29), and the window's start itself is excluded.
bounded as (

    select
        year,
        window_end,
        cast(window_end - to_months({{ max_age }}) as date) as window_start
    from windows

),

judged as (

    select
        bounded.year,
        bounded.window_start,
        bounded.window_end,
        count(pay_standards.effective_from) as standards_in_window,
        (
            select max(latest.effective_from)
            from pay_standards as latest
            where latest.effective_from <= bounded.window_end
        ) as latest_effective_from
    from bounded
    left join pay_standards
        on pay_standards.effective_from > bounded.window_start
        and pay_standards.effective_from <= bounded.window_end
    group by bounded.year, bounded.window_start, bounded.window_end

),

violations as (

    select * from judged
    where standards_in_window = 0

),

final as (

    select
        cast('P05' as varchar) as rule_id,
        cast('第二十一条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(city_bureau.bureau_code as varchar) as bureau_code,
        cast(make_date(violations.year, 1, 1) as date) as period,
        cast('submission' as varchar) as subject_type,
        cast('pay_standards' as varchar) as subject_id,
        -- whole calendar months from the latest standard to the window end; null if none
        cast(
            case
                when violations.latest_effective_from is not null
                    then datediff('month', violations.latest_effective_from, violations.window_end)
                        - case
                            when day(violations.window_end) < day(violations.latest_effective_from)
                                then 1
                            else 0
                        end
            end
            as double
        ) as measured,
        cast({{ max_age }} as double) as threshold,
        cast(
            cast(violations.year as varchar) || '年度：截至' || strftime(violations.window_end, '%Y-%m-%d')
            || '的' || cast({{ max_age }} as varchar) || '个月内未调整辅警薪酬标准'
            || case
                when violations.latest_effective_from is null then '（无任何薪酬标准）。'
                else '（最近一次执行日期' || strftime(violations.latest_effective_from, '%Y-%m-%d') || '）。'
            end
            as varchar
        ) as detail
    from violations
    cross join city_bureau

)

select * from final
