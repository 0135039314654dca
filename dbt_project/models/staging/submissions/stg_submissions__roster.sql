-- Current roster rows (superseded rows stay in raw); PII (id_number, name) dropped.
-- id_hash (keyed hash of the ID number) and birth_date stand in for id_number.
with source as (

    select * from {{ source('submissions', 'roster') }}

),

final as (

    select
        snapshot_month,
        bureau_code,
        person_id,
        gender,
        education,
        category,
        post_code,
        level,
        hire_date,
        contract_start,
        contract_end,
        recruitment_batch,
        special_status,
        pretraining_date,
        leave_date,
        leave_reason,
        equipment_returned,
        id_hash,
        birth_date,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
