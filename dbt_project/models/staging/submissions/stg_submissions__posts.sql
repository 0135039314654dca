-- Current posts rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'posts') }}

),

final as (

    select
        post_code,
        post_name,
        kind,
        article,
        high_risk,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
