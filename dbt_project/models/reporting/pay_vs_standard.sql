-- Fixed pay (base_pay + level_pay) against the city standard, per bureau, month, category
-- and level. Only payroll rows whose paying bureau's roster row is active on every day of
-- the month are compared: partial months are pro-rated legitimately (as P01 reads it).
-- Incremental by month (macros/incremental.sql): a run recomputes only the months its
-- loads or as_of touched.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_months('month') }}",
    )
}}

with payroll as (

    select * from {{ ref('int_payroll__known') }}
    where {{ rebuilt_months_condition('pay_month') }}

),

spine as (

    select * from {{ ref('int_roster__active_days') }}
    where is_active_full_month
        and {{ rebuilt_months_condition('snapshot_month') }}

),

standards as (

    select * from {{ ref('stg_submissions__pay_standards') }}

),

full_month_pay as (

    select
        payroll.bureau_code,
        payroll.pay_month as month,
        spine.category,
        spine.level,
        payroll.person_id,
        coalesce(payroll.base_pay, 0) + coalesce(payroll.level_pay, 0) as fixed_pay,
        coalesce(payroll.gross_pay, 0) as gross_pay
    from payroll
    inner join spine
        on payroll.bureau_code = spine.bureau_code
        and payroll.pay_month = spine.snapshot_month
        and payroll.person_id = spine.person_id

),

with_standard as (

    -- the standard in force: latest effective_from on or before the month's first day
    select
        full_month_pay.*,
        standards.effective_from,
        standards.standard_fixed_pay
    from full_month_pay
    asof left join standards
        on full_month_pay.category = standards.category
        and full_month_pay.level = standards.level
        and full_month_pay.month >= standards.effective_from

),

final as (

    select
        bureau_code,
        month,
        category,
        level,
        count(*) as persons,
        cast(sum(fixed_pay) as double) as fixed_pay_total,
        cast(avg(fixed_pay) as double) as avg_fixed_pay,
        cast(min(fixed_pay) as double) as min_fixed_pay,
        cast(avg(gross_pay) as double) as avg_gross_pay,
        any_value(effective_from) as standard_effective_from,
        cast(any_value(standard_fixed_pay) as double) as standard_fixed_pay,
        count(*) filter (where fixed_pay < standard_fixed_pay) as below_standard,
        cast(
            coalesce(sum(standard_fixed_pay - fixed_pay) filter (
                where fixed_pay < standard_fixed_pay
            ), 0) as double
        ) as shortfall_total
    from with_standard
    group by bureau_code, month, category, level

)

select * from final
