-- Current pay_standards rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'pay_standards') }}

),

final as (

    select
        effective_from,
        category,
        level,
        standard_fixed_pay,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
