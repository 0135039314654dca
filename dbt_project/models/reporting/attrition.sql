-- Hires and leavers per bureau and year, against the year's average month-end headcount,
-- so quota sizing can project how many posts fall vacant in a year.
with spine as (

    select * from {{ ref('int_roster__active_days') }}

),

usage as (

    select * from {{ ref('int_bureaus__month_end_usage') }}

),

headcount as (

    select
        bureau_code,
        cast(year(month) as bigint) as year,
        count(*) as roster_months,
        avg(headcount_total) as avg_headcount
    from usage
    group by all

),

person_rows as (

    -- one row per person and bureau: the latest row holds the leave date in force
    select
        bureau_code,
        person_id,
        min(hire_date) as hire_date,
        arg_max(leave_date, snapshot_month) as leave_date
    from spine
    group by bureau_code, person_id

),

hires as (

    select bureau_code, cast(year(hire_date) as bigint) as year, count(*) as hires
    from person_rows
    group by all

),

leavers as (

    select bureau_code, cast(year(leave_date) as bigint) as year, count(*) as leavers
    from person_rows
    where leave_date is not null
    group by all

),

final as (

    select
        headcount.bureau_code,
        headcount.year,
        headcount.roster_months,
        cast(headcount.avg_headcount as double) as avg_headcount,
        coalesce(hires.hires, 0) as hires,
        coalesce(leavers.leavers, 0) as leavers,
        cast(coalesce(leavers.leavers, 0) as double)
            / nullif(headcount.avg_headcount, 0) as attrition_rate
    from headcount
    left join hires
        on headcount.bureau_code = hires.bureau_code
        and headcount.year = hires.year
    left join leavers
        on headcount.bureau_code = leavers.bureau_code
        and headcount.year = leavers.year

)

select * from final
