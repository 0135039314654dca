-- I01 (第二十二条): a person on the roster at month end must have a paid contribution of
-- every type in policy.required_insurance for that month. A paid row from any bureau
-- counts (a transfer mid-month may leave the previous bureau paying).
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

with month_end_rows as (

    select
        bureau_code,
        snapshot_month,
        person_id
    from {{ ref('int_roster__active_days') }}
    where is_active_at_month_end
        and {{ rebuilt_months_condition('snapshot_month') }}

),

required_types as (

    select unnest({{ required_insurance() }}) as insurance_type

),

paid as (

    select distinct
        month,
        person_id,
        insurance_type
    from {{ ref('int_insurance__known') }}
    where status = 'paid'
        and {{ rebuilt_months_condition('month') }}

),

expected as (

    select
        month_end_rows.bureau_code,
        month_end_rows.snapshot_month,
        month_end_rows.person_id,
        required_types.insurance_type
    from month_end_rows
    cross join required_types

),

violations as (

    select expected.*
    from expected
    anti join paid
        on expected.snapshot_month = paid.month
        and expected.person_id = paid.person_id
        and expected.insurance_type = paid.insurance_type

),

final as (

    select
        cast('I01' as varchar) as rule_id,
        cast('第二十二条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(snapshot_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id || '/' || insurance_type as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(
            strftime(snapshot_month, '%Y年%-m月') || '辅警' || person_id || '月末在岗，但无已缴纳的'
            || case insurance_type
                when 'pension' then '养老保险'
                when 'medical' then '医疗保险'
                when 'unemployment' then '失业保险'
                when 'work_injury' then '工伤保险'
                when 'maternity' then '生育保险'
                when 'housing_fund' then '住房公积金'
                else insurance_type
            end
            || '记录。'
            as varchar
        ) as detail
    from violations

)

select * from final
