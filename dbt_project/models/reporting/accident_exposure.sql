-- Who must hold accident cover each month (第二十二条): persons with a roster row active in
-- the month (public-transport cover, as I04 reads it) and those of them on a high-risk
-- post (personal accident cover, I05). The dashboards set the I04/I05 findings against
-- these counts to show coverage.
-- Incremental by month (macros/incremental.sql): a run recomputes only the months its
-- loads or as_of touched.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_months('month') }}",
    )
}}

with spine as (

    select * from {{ ref('int_roster__active_days') }}
    where is_active
        and {{ rebuilt_months_condition('snapshot_month') }}

),

final as (

    select
        bureau_code,
        snapshot_month as month,
        count(distinct person_id) as active_persons,
        count(distinct person_id) filter (where post_high_risk) as high_risk_persons
    from spine
    group by bureau_code, snapshot_month

)

select * from final
