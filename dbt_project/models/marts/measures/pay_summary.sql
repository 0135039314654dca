-- outputs.md marts.pay_summary: yearly pay per bureau against the previous year's city
-- average wage (the measure of rule P06), one row per bureau and year with payroll.
with payroll as (

    select * from {{ ref('int_payroll__known') }}

),

indicators as (

    select * from {{ ref('int_economic_indicators__known') }}

),

per_year as (

    select
        bureau_code,
        year(pay_month) as year,
        count(*) as person_months,
        -- null amounts count as 0 in sums (rules.md "Terms")
        sum(coalesce(gross_pay, 0)) as gross_total
    from payroll
    group by bureau_code, year(pay_month)

),

final as (

    select
        cast(per_year.bureau_code as varchar) as bureau_code,
        cast(per_year.year as bigint) as year,
        cast(per_year.person_months as bigint) as person_months,
        cast(per_year.person_months as double) / 12 as fte,
        cast(per_year.gross_total as decimal(18, 2)) as gross_total,
        cast(per_year.gross_total as double)
            / nullif(cast(per_year.person_months as double) / 12, 0) as avg_gross_per_fte,
        cast(indicators.avg_wage_annual as decimal(18, 2)) as reference_avg_wage,
        (
            cast(per_year.gross_total as double)
            / nullif(cast(per_year.person_months as double) / 12, 0)
        ) / nullif(cast(indicators.avg_wage_annual as double), 0) as ratio_to_reference
    from per_year
    left join indicators
        on indicators.year = per_year.year - 1

)

select * from final
