-- outputs.md marts.insurance_coverage: of the month-end headcount, how many have a paid
-- row of each required insurance type for the month, from any bureau (as rule I01).
with spine as (

    select * from {{ ref('int_roster__active_days') }}

),

insurance as (

    select * from {{ ref('int_insurance__known') }}

),

bureau_months as (

    -- every bureau and month with a roster, even with nobody at month end
    select distinct
        bureau_code,
        snapshot_month as month
    from spine

),

required_types as (

    select unnest({{ required_insurance() }}) as insurance_type

),

at_month_end as (

    select
        bureau_code,
        snapshot_month as month,
        person_id
    from spine
    where is_active_at_month_end

),

paid as (

    -- a person is covered by a paid row from any bureau, not only the employing one
    select distinct
        month,
        person_id,
        insurance_type
    from insurance
    where status = 'paid'

),

per_type as (

    select
        at_month_end.bureau_code,
        at_month_end.month,
        required_types.insurance_type,
        count(*) as required_persons,
        count(paid.person_id) as covered_persons
    from at_month_end
    cross join required_types
    left join paid
        on at_month_end.person_id = paid.person_id
        and at_month_end.month = paid.month
        and required_types.insurance_type = paid.insurance_type
    group by at_month_end.bureau_code, at_month_end.month, required_types.insurance_type

),

final as (

    select
        cast(bureau_months.bureau_code as varchar) as bureau_code,
        cast(bureau_months.month as date) as month,
        cast(required_types.insurance_type as varchar) as insurance_type,
        cast(coalesce(per_type.required_persons, 0) as bigint) as required_persons,
        cast(coalesce(per_type.covered_persons, 0) as bigint) as covered_persons,
        -- null where nobody is required (outputs.md: ratios are null on a 0 divisor)
        cast(per_type.covered_persons as double)
            / nullif(per_type.required_persons, 0) as coverage_rate
    from bureau_months
    cross join required_types
    left join per_type
        on bureau_months.bureau_code = per_type.bureau_code
        and bureau_months.month = per_type.month
        and required_types.insurance_type = per_type.insurance_type

)

select * from final
