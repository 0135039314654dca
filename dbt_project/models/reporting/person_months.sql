-- The months of each person in each bureau: on that bureau's roster, paid by it, or both.
-- The person look-up of the dashboards reads it as the person's timeline across bureaus.
-- Persons by person_id only: no names, ID numbers or birth dates are carried.
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

with roster as (

    select
        bureau_code,
        snapshot_month as month,
        person_id,
        category,
        post_code,
        post_kind,
        level,
        hire_date,
        leave_date,
        active_days,
        is_active_at_month_end
    from {{ ref('int_roster__active_days') }}
    where {{ rebuilt_months_condition('snapshot_month') }}

),

payroll as (

    select
        bureau_code,
        pay_month as month,
        person_id,
        gross_pay
    from {{ ref('int_payroll__known') }}
    where {{ rebuilt_months_condition('pay_month') }}

),

final as (

    select
        coalesce(roster.bureau_code, payroll.bureau_code) as bureau_code,
        coalesce(roster.month, payroll.month) as month,
        coalesce(roster.person_id, payroll.person_id) as person_id,
        roster.person_id is not null as on_roster,
        roster.category,
        roster.post_code,
        roster.post_kind,
        cast(roster.level as integer) as level,
        roster.hire_date,
        roster.leave_date,
        cast(roster.active_days as integer) as active_days,
        roster.is_active_at_month_end,
        payroll.person_id is not null as paid,
        cast(payroll.gross_pay as double) as gross_pay
    from roster
    full outer join payroll
        on roster.bureau_code = payroll.bureau_code
        and roster.month = payroll.month
        and roster.person_id = payroll.person_id

)

select * from final
