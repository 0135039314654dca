-- police_strength rows known at as_of (rules.md "Terms"): months starting after as_of are not yet known.
with police_strength as (

    select * from {{ ref('stg_submissions__police_strength') }}

),

final as (

    select *
    from police_strength
    where month <= {{ as_of() }}

)

select * from final
