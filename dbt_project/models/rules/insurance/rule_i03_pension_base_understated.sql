-- I03 (第二十二条): the pension contribution base of year Y should follow the previous
-- year's pay. Where the person was paid in at least 6 distinct months of Y-1 (any bureau),
-- expected base = gross pay of Y-1 / those months, clamped to [si_base_floor,
-- si_base_ceiling] of Y; a paid pension row of Y below base_tolerance x expected fires,
-- once per person, year and bureau of the offending row.
{%- set tolerance = 'cast(' ~ policy_number('base_tolerance') ~ ' as decimal(18, 6))' %}
with payroll as (

    select * from {{ ref('int_payroll__known') }}

),

pension as (

    select
        bureau_code,
        month,
        person_id,
        contribution_base
    from {{ ref('int_insurance__known') }}
    where status = 'paid'
        and insurance_type = 'pension'

),

indicators as (

    select
        year,
        si_base_floor,
        si_base_ceiling
    from {{ ref('int_economic_indicators__known') }}

),

-- Pay of each person and year; the base year Y is the following one.
pay_years as (

    select
        person_id,
        year(pay_month) + 1 as base_year,
        count(distinct pay_month) as pay_months,
        -- null amounts count as 0
        sum(coalesce(gross_pay, 0)) as gross_total
    from payroll
    group by person_id, year(pay_month)
    having count(distinct pay_month) >= 6

),

-- The clamp is decided by exact decimal comparisons (gross_total vs bound x months) so
-- that a base of exactly base_tolerance x expected never fires through rounding.
expected as (

    select
        pay_years.person_id,
        pay_years.base_year,
        pay_years.pay_months,
        pay_years.gross_total,
        indicators.si_base_floor,
        indicators.si_base_ceiling,
        case
            when pay_years.gross_total > indicators.si_base_ceiling * pay_years.pay_months
                then 'ceiling'
            when pay_years.gross_total < indicators.si_base_floor * pay_years.pay_months
                then 'floor'
            else 'pay'
        end as clamp
    from pay_years
    -- no indicator row for Y: the clamp is unknown, silent
    inner join indicators
        on indicators.year = pay_years.base_year

),

judged as (

    select
        pension.bureau_code,
        pension.month,
        pension.person_id,
        pension.contribution_base,
        expected.base_year,
        expected.pay_months,
        case expected.clamp
            when 'ceiling' then cast(expected.si_base_ceiling as double)
            when 'floor' then cast(expected.si_base_floor as double)
            else cast(expected.gross_total as double) / expected.pay_months
        end as expected_base,
        case expected.clamp
            when 'ceiling' then pension.contribution_base < {{ tolerance }} * expected.si_base_ceiling
            when 'floor' then pension.contribution_base < {{ tolerance }} * expected.si_base_floor
            else pension.contribution_base * expected.pay_months < {{ tolerance }} * expected.gross_total
        end as is_understated
    from pension
    inner join expected
        on pension.person_id = expected.person_id
        and year(pension.month) = expected.base_year

),

violations as (

    select
        bureau_code,
        person_id,
        base_year,
        any_value(pay_months) as pay_months,
        any_value(expected_base) as expected_base,
        min(contribution_base) as lowest_base,
        count(*) as offending_months
    from judged
    where is_understated
    group by bureau_code, person_id, base_year

),

final as (

    select
        cast('I03' as varchar) as rule_id,
        cast('第二十二条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(make_date(base_year, 1, 1) as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(lowest_base as double) as measured,
        cast({{ tolerance }} as double) * expected_base as threshold,
        cast(
            cast(base_year as varchar) || '年度辅警' || person_id || '有' || cast(offending_months as varchar)
            || '个月的养老保险缴费基数低于按上年' || cast(pay_months as varchar) || '个月工资核定基数'
            || cast(round(expected_base, 2) as varchar) || '元的' || cast(round({{ tolerance }} * 100, 2) as varchar)
            || '%，最低为' || cast(lowest_base as varchar) || '元。'
            as varchar
        ) as detail
    from violations

)

select * from final
