-- assessments rows known at as_of (rules.md "Terms"): rows of years starting after as_of are
-- not yet known.
with assessments as (

    select * from {{ ref('stg_submissions__assessments') }}

),

final as (

    select *
    from assessments
    where make_date(cast(year as integer), 1, 1) <= {{ as_of() }}

)

select * from final
