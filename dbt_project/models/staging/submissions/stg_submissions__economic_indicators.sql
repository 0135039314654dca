-- Current economic_indicators rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'economic_indicators') }}

),

final as (

    select
        year,
        avg_wage_annual,
        min_wage_monthly,
        si_base_floor,
        si_base_ceiling,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
