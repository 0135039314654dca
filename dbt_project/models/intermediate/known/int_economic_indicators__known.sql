-- economic_indicators rows known at as_of (rules.md "Terms"): rows of years starting after as_of are
-- not yet known.
with economic_indicators as (

    select * from {{ ref('stg_submissions__economic_indicators') }}

),

final as (

    select *
    from economic_indicators
    where make_date(cast(year as integer), 1, 1) <= {{ as_of() }}

)

select * from final
