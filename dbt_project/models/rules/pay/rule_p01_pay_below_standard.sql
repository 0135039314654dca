-- P01 (第二十一条): fixed pay (base_pay + level_pay) below the city standard for the
-- person's category and level. Only full months are judged: a roster row of the paying
-- bureau active on every day of M; partial months are pro-rated legitimately.
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

full_month_rows as (

    select
        bureau_code,
        snapshot_month,
        person_id,
        category,
        level
    from {{ ref('int_roster__active_days') }}
    where is_active_full_month
        and {{ rebuilt_months_condition('snapshot_month') }}

),

pay_standards as (

    select * from {{ ref('stg_submissions__pay_standards') }}

),

judged as (

    select
        payroll.bureau_code,
        payroll.pay_month,
        payroll.person_id,
        full_month_rows.category,
        full_month_rows.level,
        -- null pay components count as 0
        coalesce(payroll.base_pay, 0) + coalesce(payroll.level_pay, 0) as fixed_pay
    from payroll
    inner join full_month_rows
        on payroll.bureau_code = full_month_rows.bureau_code
        and payroll.pay_month = full_month_rows.snapshot_month
        and payroll.person_id = full_month_rows.person_id

),

-- The standard in force on M.start: the row of that category and level with the latest
-- effective_from <= M.start. No such row: nothing to judge against, silent.
with_standard as (

    select
        judged.*,
        pay_standards.effective_from,
        pay_standards.standard_fixed_pay
    from judged
    inner join pay_standards
        on judged.category = pay_standards.category
        and judged.level = pay_standards.level
        and pay_standards.effective_from <= judged.pay_month
    qualify row_number() over (
        partition by judged.bureau_code, judged.pay_month, judged.person_id
        order by pay_standards.effective_from desc
    ) = 1

),

violations as (

    select * from with_standard
    where fixed_pay < standard_fixed_pay

),

final as (

    select
        cast('P01' as varchar) as rule_id,
        cast('第二十一条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(pay_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(fixed_pay as double) as measured,
        cast(standard_fixed_pay as double) as threshold,
        cast(
            strftime(pay_month, '%Y年%-m月') || '辅警' || person_id || '的基础工资与层级工资合计'
            || cast(fixed_pay as varchar) || '元，低于'
            || case category when 'duty' then '勤务辅警' when 'civilian' then '文职辅警' else category end
            || cast(level as varchar) || '级固定工资标准' || cast(standard_fixed_pay as varchar)
            || '元（' || strftime(effective_from, '%Y-%m-%d') || '起执行）。'
            as varchar
        ) as detail
    from violations

)

select * from final
