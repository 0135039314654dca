-- Current police_strength rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'police_strength') }}

),

final as (

    select
        bureau_code,
        month,
        police_count,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
