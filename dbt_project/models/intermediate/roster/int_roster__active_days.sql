-- The person-month spine: each known roster row with its active days in its month
-- (rules.md "Terms"). leave_date is the last day employed, so both ends are inclusive.
-- Incremental by month (macros/incremental.sql): a monthly run recomputes only the months
-- its loads touched. pretraining_date is left out because its as_of cut would tie every
-- month to as_of; T01 reads it from int_roster__known.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_months('snapshot_month') }}",
    )
}}

with roster as (

    select * exclude (pretraining_date)
    from {{ ref('int_roster__known') }}
    where {{ rebuilt_months_condition('snapshot_month') }}

),

posts as (

    select * from {{ ref('stg_submissions__posts') }}

),

spans as (

    select
        roster.*,
        roster.snapshot_month as month_start,
        last_day(roster.snapshot_month) as month_end,
        greatest(roster.snapshot_month, roster.hire_date) as active_from,
        -- least() skips nulls: an open-ended row (no leave_date) runs to the month end
        least(last_day(roster.snapshot_month), roster.leave_date) as active_to
    from roster

),

final as (

    select
        spans.*,
        greatest(date_diff('day', spans.active_from, spans.active_to) + 1, 0) as active_days,
        spans.active_from <= spans.active_to as is_active,
        spans.active_from <= spans.month_end
            and spans.active_to = spans.month_end as is_active_at_month_end,
        spans.active_from = spans.month_start
            and spans.active_to = spans.month_end as is_active_full_month,
        -- a post missing from the catalogue has no kind and is not high-risk (inputs.md)
        posts.kind as post_kind,
        posts.high_risk = 'Y' as post_high_risk
    from spans
    left join posts
        on spans.post_code = posts.post_code

)

select * from final
