-- outputs.md marts.insurance_coverage: of the month-end headcount, how many have a paid
-- row of each required insurance type for the month, from any bureau (as rule I01).
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

    select * from {{ ref('int_roster__active_days') }}
    where {{ rebuilt_months_condition('snapshot_month') }}

),

insurance as (

    select * from {{ ref('int_insurance__known') }}
    where {{ rebuilt_months_condition('month') }}

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

    select * from insurance
    where status = 'paid'

),

required as (

    select
        at_month_end.bureau_code,
        at_month_end.month,
        count(*) as required_persons
    from at_month_end
    group by at_month_end.bureau_code, at_month_end.month

),

covered as (

    -- a person is covered by a paid row from any bureau, not only the employing one;
    -- the semi join counts each person once however many such rows exist
    select
        at_month_end.bureau_code,
        at_month_end.month,
        required_types.insurance_type,
        count(*) as covered_persons
    from at_month_end
    cross join required_types
    semi join paid
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
        cast(coalesce(required.required_persons, 0) as bigint) as required_persons,
        cast(coalesce(covered.covered_persons, 0) as bigint) as covered_persons,
        -- null where nobody is required (outputs.md: ratios are null on a 0 divisor)
        cast(coalesce(covered.covered_persons, 0) as double)
            / nullif(required.required_persons, 0) as coverage_rate
    from bureau_months
    cross join required_types
    left join required
        on bureau_months.bureau_code = required.bureau_code
        and bureau_months.month = required.month
    left join covered
        on bureau_months.bureau_code = covered.bureau_code
        and bureau_months.month = covered.month
        and required_types.insurance_type = covered.insurance_type

)

select * from final
