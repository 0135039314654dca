-- What one auxiliary costs a bureau in a year, from actuals, for quota sizing: pay (gross),
-- employer social insurance, employer housing fund, and accident-policy cover, with the
-- full-time equivalents they are spread over.
with payroll as (

    select * from {{ ref('int_payroll__known') }}

),

insurance as (

    select * from {{ ref('int_insurance__known') }}
    where status = 'paid'

),

policies as (

    select * from {{ ref('stg_submissions__accident_policies') }}
    where start_date <= end_date

),

pay as (

    select
        bureau_code,
        cast(year(pay_month) as bigint) as year,
        count(*) as person_months,
        cast(sum(coalesce(gross_pay, 0)) as double) as gross_total
    from payroll
    group by all

),

employer as (

    select
        bureau_code,
        cast(year(month) as bigint) as year,
        cast(
            coalesce(sum(employer_amount) filter (where insurance_type <> 'housing_fund'), 0)
            as double
        ) as employer_si_total,
        cast(
            coalesce(sum(employer_amount) filter (where insurance_type = 'housing_fund'), 0)
            as double
        ) as employer_hf_total
    from insurance
    group by all

),

policy_years as (

    -- each policy's covered days within each calendar year it touches
    select
        policies.bureau_code,
        policies.policy_type,
        cast(y.year as bigint) as year,
        date_diff(
            'day',
            greatest(policies.start_date, make_date(cast(y.year as integer), 1, 1)),
            least(policies.end_date, make_date(cast(y.year as integer), 12, 31))
        ) + 1 as covered_days
    from policies
    cross join lateral (
        select unnest(range(year(policies.start_date), year(policies.end_date) + 1)) as year
    ) as y

),

cover as (

    select
        bureau_code,
        year,
        cast(
            coalesce(sum(covered_days) filter (where policy_type = 'transport_accident'), 0)
            as double
        ) / 365.0 as transport_policy_years,
        cast(
            coalesce(sum(covered_days) filter (where policy_type = 'personal_accident'), 0)
            as double
        ) / 365.0 as personal_policy_years
    from policy_years
    group by all

),

final as (

    select
        pay.bureau_code,
        pay.year,
        pay.person_months,
        pay.person_months / 12.0 as fte,
        pay.gross_total,
        coalesce(employer.employer_si_total, 0) as employer_si_total,
        coalesce(employer.employer_hf_total, 0) as employer_hf_total,
        coalesce(cover.transport_policy_years, 0) as transport_policy_years,
        coalesce(cover.personal_policy_years, 0) as personal_policy_years
    from pay
    left join employer
        on pay.bureau_code = employer.bureau_code
        and pay.year = employer.year
    left join cover
        on pay.bureau_code = cover.bureau_code
        and pay.year = cover.year

)

select * from final
