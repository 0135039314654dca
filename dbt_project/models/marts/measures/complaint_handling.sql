-- outputs.md marts.complaint_handling: per bureau and received month, how complaints
-- were handled against the C01 deadline and the C02 feedback deadline.
with deadlines as (

    select * from {{ ref('int_complaints__deadlines') }}

),

final as (

    select
        cast(bureau_code as varchar) as bureau_code,
        cast(received_month as date) as month,
        cast(count(*) as bigint) as received,
        cast(count(*) filter (where is_concluded) as bigint) as concluded,
        cast(count(*) filter (where is_concluded_on_time) as bigint) as concluded_on_time,
        cast(count(*) filter (where is_open_overdue) as bigint) as open_overdue,
        cast(count(*) filter (where is_feedback_on_time) as bigint) as feedback_on_time,
        cast(median(days_to_conclude) as double) as median_days_to_conclude
    from deadlines
    group by bureau_code, received_month

)

select * from final
