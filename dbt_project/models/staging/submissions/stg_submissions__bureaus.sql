-- Current bureaus rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'bureaus') }}

),

final as (

    select
        bureau_code,
        bureau_name,
        parent_code,
        bureau_level,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
