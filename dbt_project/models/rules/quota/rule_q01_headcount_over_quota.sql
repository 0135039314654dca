-- Q01 (第八条): a bureau's month-end headcount exceeds the year's approved quota_total.
-- Equal to the quota is compliant; a month without a quota row is Q03's business, not Q01's.
with usage as (
    select * from {{ ref('int_bureaus__month_end_usage') }}
),

over_quota as (
    select
        bureau_code,
        month,
        headcount_total,
        quota_total
    from usage
    where quota_total is not null
        and headcount_total > quota_total
),

final as (
    select
        cast('Q01' as varchar) as rule_id,
        cast('第八条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(month as date) as period,
        cast('bureau' as varchar) as subject_type,
        cast(bureau_code as varchar) as subject_id,
        cast(headcount_total as double) as measured,
        cast(quota_total as double) as threshold,
        cast(
            strftime(month, '%Y年%-m月') || '月末在册辅警' || headcount_total || '人，超过核定用人额度'
            || quota_total || '人。'
            as varchar
        ) as detail
    from over_quota
)

select * from final
