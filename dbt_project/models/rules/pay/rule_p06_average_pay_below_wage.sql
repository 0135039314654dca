-- P06 (第二十一条): a bureau's average pay per full-time equivalent in a completed year Y
-- (sum of gross_pay / (payroll rows / 12)) below policy.pay_floor_ratio x the city's average
-- annual wage of Y-1. Only years before year(as_of): the current year is incomplete.
with payroll as (

    select * from {{ ref('int_payroll__known') }}

),

indicators as (

    select
        year,
        avg_wage_annual
    from {{ ref('int_economic_indicators__known') }}

),

bureau_years as (

    select
        bureau_code,
        year(pay_month) as year,
        count(*) as person_months,
        -- null amounts count as 0
        sum(coalesce(gross_pay, 0)) as gross_total
    from payroll
    where year(pay_month) < year({{ as_of() }})
    group by bureau_code, year(pay_month)

),

judged as (

    select
        bureau_years.*,
        -- decimal, so that a ratio of exactly 1.00 does not fire through rounding
        cast({{ policy_number('pay_floor_ratio') }} as decimal(18, 6)) * indicators.avg_wage_annual
            as reference_wage
    from bureau_years
    -- no indicator for Y-1: nothing to judge against, silent
    inner join indicators
        on indicators.year = bureau_years.year - 1

),

violations as (

    -- gross_total / (person_months / 12) < reference, multiplied out to stay exact
    select * from judged
    where gross_total * 12 < reference_wage * person_months

),

final as (

    select
        cast('P06' as varchar) as rule_id,
        cast('第二十一条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(make_date(year, 1, 1) as date) as period,
        cast('bureau' as varchar) as subject_type,
        cast(bureau_code as varchar) as subject_id,
        cast(gross_total as double) * 12 / person_months as measured,
        cast(reference_wage as double) as threshold,
        cast(
            cast(year as varchar) || '年度单位' || bureau_code || '辅警人均年薪酬'
            || cast(round(cast(gross_total as double) * 12 / person_months, 2) as varchar)
            || '元（' || cast(person_months as varchar) || '人月），低于上年度全社会单位就业人员年平均工资的'
            || cast(round(cast({{ policy_number('pay_floor_ratio') }} * 100 as decimal(18, 2)), 2) as varchar)
            || '%即' || cast(round(cast(reference_wage as double), 2) as varchar) || '元。'
            as varchar
        ) as detail
    from violations

)

select * from final
