-- Current assessments rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'assessments') }}

),

final as (

    select
        person_id,
        year,
        grade,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
