-- Q02 (第八条): month-end headcount of one category (duty / civilian) exceeds that category's
-- quota, for the categories whose quota the year's quota row gives (null = not split, silent).
with usage as (
    select * from {{ ref('int_bureaus__month_end_usage') }}
),

by_category as (
    select
        bureau_code,
        month,
        'duty' as category,
        '勤务辅警' as category_zh,
        headcount_duty as headcount,
        quota_duty as quota
    from usage
    union all
    select
        bureau_code,
        month,
        'civilian' as category,
        '文职辅警' as category_zh,
        headcount_civilian as headcount,
        quota_civilian as quota
    from usage
),

over_quota as (
    select *
    from by_category
    where quota is not null
        and headcount > quota
),

final as (
    select
        cast('Q02' as varchar) as rule_id,
        cast('第八条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(month as date) as period,
        cast('bureau' as varchar) as subject_type,
        cast(bureau_code || '/' || category as varchar) as subject_id,
        cast(headcount as double) as measured,
        cast(quota as double) as threshold,
        cast(
            strftime(month, '%Y年%-m月') || '月末在册' || category_zh || headcount
            || '人，超过核定' || category_zh || '额度' || quota || '人。'
            as varchar
        ) as detail
    from over_quota
)

select * from final
