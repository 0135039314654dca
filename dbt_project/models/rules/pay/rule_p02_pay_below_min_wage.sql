-- P02 (第二十一条): gross pay below the monthly minimum wage of the year, judged only on
-- full months (the paying bureau's roster row of M active on every day of M).
with payroll as (

    select * from {{ ref('int_payroll__known') }}

),

full_month_rows as (

    select
        bureau_code,
        snapshot_month,
        person_id
    from {{ ref('int_roster__active_days') }}
    where is_active_full_month

),

indicators as (

    select
        year,
        min_wage_monthly
    from {{ ref('int_economic_indicators__known') }}

),

judged as (

    select
        payroll.bureau_code,
        payroll.pay_month,
        payroll.person_id,
        coalesce(payroll.gross_pay, 0) as gross_pay,
        indicators.min_wage_monthly
    from payroll
    inner join full_month_rows
        on payroll.bureau_code = full_month_rows.bureau_code
        and payroll.pay_month = full_month_rows.snapshot_month
        and payroll.person_id = full_month_rows.person_id
    -- no indicator row for the year: nothing to judge against, silent
    inner join indicators
        on indicators.year = year(payroll.pay_month)

),

violations as (

    select * from judged
    where gross_pay < min_wage_monthly

),

final as (

    select
        cast('P02' as varchar) as rule_id,
        cast('第二十一条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(pay_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(gross_pay as double) as measured,
        cast(min_wage_monthly as double) as threshold,
        cast(
            strftime(pay_month, '%Y年%-m月') || '辅警' || person_id || '的应发工资'
            || cast(gross_pay as varchar) || '元，低于当年月最低工资标准'
            || cast(min_wage_monthly as varchar) || '元。'
            as varchar
        ) as detail
    from violations

)

select * from final
