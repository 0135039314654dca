-- outputs.md marts.quota_usage: month-end headcount against quota and police strength,
-- one row per bureau and month with a roster.
with usage as (

    select * from {{ ref('int_bureaus__month_end_usage') }}

),

final as (

    select
        cast(bureau_code as varchar) as bureau_code,
        cast(month as date) as month,
        cast(headcount_total as bigint) as headcount_total,
        cast(headcount_duty as bigint) as headcount_duty,
        cast(headcount_civilian as bigint) as headcount_civilian,
        cast(quota_total as bigint) as quota_total,
        cast(quota_duty as bigint) as quota_duty,
        cast(quota_civilian as bigint) as quota_civilian,
        cast(utilization as double) as utilization,
        cast(police_count as bigint) as police_count,
        cast(aux_per_police as double) as aux_per_police
    from usage

)

select * from final
