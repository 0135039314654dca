-- P04 (第二十一条): a roster row active in M with no payroll row of that bureau, month and
-- person, where the bureau's payroll of M was submitted (any rows).
-- Incremental by month (macros/incremental.sql): a run recomputes only the months its
-- loads or as_of touched.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_months('period') }}",
    )
}}

with active_rows as (

    select
        bureau_code,
        snapshot_month,
        person_id,
        active_days
    from {{ ref('int_roster__active_days') }}
    where is_active
        and {{ rebuilt_months_condition('snapshot_month') }}

),

payroll as (

    select
        bureau_code,
        pay_month,
        person_id
    from {{ ref('int_payroll__known') }}
    where {{ rebuilt_months_condition('pay_month') }}

),

-- Without a payroll submission for the month there is nothing to compare with; S01
-- reports the missing submission instead.
payroll_months as (

    select distinct
        bureau_code,
        pay_month
    from payroll

),

violations as (

    select active_rows.*
    from active_rows
    inner join payroll_months
        on active_rows.bureau_code = payroll_months.bureau_code
        and active_rows.snapshot_month = payroll_months.pay_month
    anti join payroll
        on active_rows.bureau_code = payroll.bureau_code
        and active_rows.snapshot_month = payroll.pay_month
        and active_rows.person_id = payroll.person_id

),

final as (

    select
        cast('P04' as varchar) as rule_id,
        cast('第二十一条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(snapshot_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(
            strftime(snapshot_month, '%Y年%-m月') || '辅警' || person_id || '在单位' || bureau_code
            || '在岗' || cast(active_days as varchar) || '天，但当月工资发放表中无其工资记录。'
            as varchar
        ) as detail
    from violations

)

select * from final
