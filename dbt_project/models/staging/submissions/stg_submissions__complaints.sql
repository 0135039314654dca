-- Current complaints rows (superseded rows stay in raw); PII (complainant_name, complainant_phone) dropped.
with source as (

    select * from {{ source('submissions', 'complaints') }}

),

final as (

    select
        complaint_id,
        bureau_code,
        person_id,
        received_date,
        channel,
        category,
        extended,
        concluded_date,
        finding,
        feedback_date,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
