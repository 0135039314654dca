-- Month-end headcount against quota and police strength, per bureau and month with a
-- known roster (rules.md Q01-Q04; outputs.md marts.quota_usage).
with spine as (

    select * from {{ ref('int_roster__active_days') }}

),

quotas as (

    select * from {{ ref('int_quotas__known') }}

),

police_strength as (

    select * from {{ ref('int_police_strength__known') }}

),

headcounts as (

    -- every bureau-month with a roster gets a row, even when nobody is on it at month end
    select
        bureau_code,
        snapshot_month as month,
        count(*) filter (where is_active_at_month_end) as headcount_total,
        count(*) filter (where is_active_at_month_end and category = 'duty') as headcount_duty,
        count(*) filter (
            where is_active_at_month_end and category = 'civilian'
        ) as headcount_civilian
    from spine
    group by bureau_code, snapshot_month

),

with_quota as (

    select
        headcounts.*,
        quotas.quota_total,
        quotas.quota_duty,
        quotas.quota_civilian
    from headcounts
    left join quotas
        on headcounts.bureau_code = quotas.bureau_code
        and year(headcounts.month) = quotas.year

),

with_police as (

    -- that month's police count, or the latest earlier month's
    select
        with_quota.*,
        police_strength.month as police_count_month,
        police_strength.police_count
    from with_quota
    asof left join police_strength
        on with_quota.bureau_code = police_strength.bureau_code
        and with_quota.month >= police_strength.month

),

final as (

    select
        bureau_code,
        month,
        headcount_total,
        headcount_duty,
        headcount_civilian,
        quota_total,
        quota_duty,
        quota_civilian,
        -- ratios are null where the divisor is 0 or null (outputs.md)
        cast(headcount_total as double) / nullif(quota_total, 0) as utilization,
        police_count,
        police_count_month,
        cast(headcount_total as double) / nullif(police_count, 0) as aux_per_police
    from with_police

)

select * from final
