-- Current training rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'training') }}

),

final as (

    select
        person_id,
        training_date,
        training_type,
        exam_score,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
