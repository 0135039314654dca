-- I02 (第二十二条): a paid social insurance contribution (housing_fund excepted: its base
-- follows other rules) on a base below the year's social insurance base floor.
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

with insurance as (

    select * from {{ ref('int_insurance__known') }}
    where status = 'paid'
        and insurance_type <> 'housing_fund'
        and {{ rebuilt_months_condition('month') }}

),

indicators as (

    select
        year,
        si_base_floor
    from {{ ref('int_economic_indicators__known') }}

),

-- One finding per (bureau, month, person, type): the row key makes paid rows unique, but
-- keep the lowest base should a duplicate ever slip through.
lowest_base as (

    select
        bureau_code,
        month,
        person_id,
        insurance_type,
        min(contribution_base) as contribution_base
    from insurance
    group by bureau_code, month, person_id, insurance_type

),

violations as (

    select
        lowest_base.*,
        indicators.si_base_floor
    from lowest_base
    -- no indicator row for the year: nothing to judge against, silent
    inner join indicators
        on indicators.year = year(lowest_base.month)
    where lowest_base.contribution_base < indicators.si_base_floor

),

final as (

    select
        cast('I02' as varchar) as rule_id,
        cast('第二十二条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id || '/' || insurance_type as varchar) as subject_id,
        cast(contribution_base as double) as measured,
        cast(si_base_floor as double) as threshold,
        cast(
            strftime(month, '%Y年%-m月') || '辅警' || person_id || '的'
            || case insurance_type
                when 'pension' then '养老保险'
                when 'medical' then '医疗保险'
                when 'unemployment' then '失业保险'
                when 'work_injury' then '工伤保险'
                when 'maternity' then '生育保险'
                else insurance_type
            end
            || '缴费基数' || cast(contribution_base as varchar) || '元，低于当年社保缴费基数下限'
            || cast(si_base_floor as varchar) || '元。'
            as varchar
        ) as detail
    from violations

)

select * from final
