-- P03 (第二十一条): "ghost pay" - a bureau pays a person in month M although its roster of M,
-- which exists, has no row for that person active in M.
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

with payroll as (

    select * from {{ ref('int_payroll__known') }}
    where {{ rebuilt_months_condition('pay_month') }}

),

roster as (

    select
        bureau_code,
        snapshot_month,
        person_id,
        is_active
    from {{ ref('int_roster__active_days') }}
    where {{ rebuilt_months_condition('snapshot_month') }}

),

-- Bureau-months whose roster was submitted (any rows): without a roster there is nothing
-- to compare the payroll with, and S01 reports the missing submission instead.
roster_months as (

    select distinct
        bureau_code,
        snapshot_month
    from roster

),

active_rows as (

    select
        bureau_code,
        snapshot_month,
        person_id
    from roster
    where is_active

),

violations as (

    select
        payroll.bureau_code,
        payroll.pay_month,
        payroll.person_id,
        coalesce(payroll.gross_pay, 0) as gross_pay
    from payroll
    inner join roster_months
        on payroll.bureau_code = roster_months.bureau_code
        and payroll.pay_month = roster_months.snapshot_month
    anti join active_rows
        on payroll.bureau_code = active_rows.bureau_code
        and payroll.pay_month = active_rows.snapshot_month
        and payroll.person_id = active_rows.person_id

),

final as (

    select
        cast('P03' as varchar) as rule_id,
        cast('第二十一条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(pay_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(gross_pay as double) as measured,
        cast(null as double) as threshold,
        cast(
            strftime(pay_month, '%Y年%-m月') || '单位' || bureau_code || '向辅警' || person_id
            || '发放工资' || cast(gross_pay as varchar) || '元，但当月花名册中无该辅警在岗记录。'
            as varchar
        ) as detail
    from violations

)

select * from final
