-- Current accident_policies rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'accident_policies') }}

),

final as (

    select
        policy_no,
        person_id,
        bureau_code,
        policy_type,
        start_date,
        end_date,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
