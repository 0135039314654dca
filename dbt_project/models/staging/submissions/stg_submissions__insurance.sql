-- Current insurance rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'insurance') }}

),

final as (

    select
        month,
        bureau_code,
        person_id,
        insurance_type,
        contribution_base,
        employer_amount,
        employee_amount,
        status,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
