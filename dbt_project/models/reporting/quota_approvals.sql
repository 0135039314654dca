-- The approval chain of each bureau's yearly quota (第八条: staffing review, finance review,
-- government approval, document number), with every gap flagged, for each bureau-year that
-- has a quota row or a roster row active in the year. The gap flags follow Q03's reading.
with quotas as (

    select * from {{ ref('int_quotas__known') }}

),

active_years as (

    select distinct
        bureau_code,
        cast(year(snapshot_month) as bigint) as year
    from {{ ref('int_roster__active_days') }}
    where is_active

),

bureau_years as (

    select bureau_code, year from active_years
    union
    select bureau_code, year from quotas

),

joined as (

    select
        bureau_years.bureau_code,
        bureau_years.year,
        active_years.bureau_code is not null as has_active_roster,
        quotas.bureau_code is not null as has_quota,
        quotas.quota_total,
        quotas.quota_duty,
        quotas.quota_civilian,
        quotas.staffing_review_date,
        quotas.finance_review_date,
        quotas.approval_date,
        quotas.approval_doc
    from bureau_years
    left join active_years
        on bureau_years.bureau_code = active_years.bureau_code
        and bureau_years.year = active_years.year
    left join quotas
        on bureau_years.bureau_code = quotas.bureau_code
        and bureau_years.year = quotas.year

),

final as (

    select
        *,
        has_quota and staffing_review_date is null as missing_staffing_review,
        has_quota and finance_review_date is null as missing_finance_review,
        has_quota and approval_date is null as missing_approval,
        has_quota and (approval_doc is null or trim(approval_doc) = '') as missing_doc,
        -- the government approves after both reviews (第八条)
        coalesce(
            approval_date < staffing_review_date or approval_date < finance_review_date,
            false
        ) as approval_before_review,
        not has_quota
            or staffing_review_date is null
            or finance_review_date is null
            or approval_date is null
            or coalesce(
                approval_date < staffing_review_date or approval_date < finance_review_date,
                false
            )
            or approval_doc is null
            or trim(approval_doc) = '' as has_gap
    from joined

)

select * from final
