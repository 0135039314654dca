-- quotas rows known at as_of (rules.md "Terms"): rows of years starting after as_of are
-- not yet known.
with quotas as (

    select * from {{ ref('stg_submissions__quotas') }}

),

final as (

    select *
    from quotas
    where make_date(cast(year as integer), 1, 1) <= {{ as_of() }}

)

select * from final
