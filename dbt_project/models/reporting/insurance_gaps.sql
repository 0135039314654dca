-- The persons and months with an insurance gap (as I01 reads 第二十二条): a roster row
-- active on the month's last day and no paid row of a required type for that person and
-- month from any bureau. gap_kind tells an arrears row (欠缴) from no row at all.
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

with spine as (

    select
        bureau_code,
        snapshot_month as month,
        person_id,
        category
    from {{ ref('int_roster__active_days') }}
    where is_active_at_month_end
        and {{ rebuilt_months_condition('snapshot_month') }}

),

insurance as (

    select * from {{ ref('int_insurance__known') }}
    where {{ rebuilt_months_condition('month') }}

),

required_types as (

    select unnest({{ required_insurance() }}) as insurance_type

),

status_by_type as (

    -- any bureau's row counts, as in I01
    select
        person_id,
        month,
        insurance_type,
        bool_or(status = 'paid') as has_paid,
        bool_or(status = 'arrears') as has_arrears
    from insurance
    group by person_id, month, insurance_type

),

expected as (

    select
        spine.*,
        required_types.insurance_type
    from spine
    cross join required_types

),

final as (

    select
        expected.bureau_code,
        expected.month,
        expected.person_id,
        expected.category,
        expected.insurance_type,
        case
            when coalesce(status_by_type.has_arrears, false) then 'arrears'
            else 'missing'
        end as gap_kind
    from expected
    left join status_by_type
        on expected.person_id = status_by_type.person_id
        and expected.month = status_by_type.month
        and expected.insurance_type = status_by_type.insurance_type
    where not coalesce(status_by_type.has_paid, false)

)

select * from final
