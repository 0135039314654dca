-- Current quotas rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'quotas') }}

),

final as (

    select
        bureau_code,
        year,
        quota_total,
        quota_duty,
        quota_civilian,
        staffing_review_date,
        finance_review_date,
        approval_date,
        approval_doc,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
