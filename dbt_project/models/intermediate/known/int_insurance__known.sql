-- insurance rows known at as_of (rules.md "Terms"): months starting after as_of are not yet known.
with insurance as (

    select * from {{ ref('stg_submissions__insurance') }}

),

final as (

    select *
    from insurance
    where month <= {{ as_of() }}

)

select * from final
