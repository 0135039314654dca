-- C03 (第十八条): repeated substantiated complaints against one auxiliary. A complaint c
-- found substantiated or partly so (concluded by as_of) fires when such complaints against
-- the same person received in [c.received - (repeat_window_days - 1), c.received] number at
-- least repeat_threshold, same-day ones included. One finding per person and month of c,
-- carrying the bureau of the latest firing complaint of the month (ties: largest id).
{%- set window_days = policy_int('repeat_window_days') | trim | int %}
{%- set repeat_threshold = policy_int('repeat_threshold') %}
with upheld as (

    select
        complaint_id,
        bureau_code,
        person_id,
        received_date
    from {{ ref('int_complaints__known') }}
    -- finding is null unless concluded by as_of (int_complaints__known)
    where finding in ('substantiated', 'partly')
        and person_id is not null

),

counted as (

    select
        *,
        -- a range frame ending at the current row's date takes in every same-day peer
        count(*) over (
            partition by person_id
            order by received_date
            range between interval ({{ window_days - 1 }}) day preceding and current row
        ) as complaints_in_window
    from upheld

),

firing as (

    select * from counted
    where complaints_in_window >= {{ repeat_threshold }}

),

per_month as (

    select
        *,
        date_trunc('month', received_date) as received_month
    from firing
    qualify row_number() over (
        partition by person_id, date_trunc('month', received_date)
        order by received_date desc, complaint_id desc
    ) = 1

),

final as (

    select
        cast('C03' as varchar) as rule_id,
        cast('第十八条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(received_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(complaints_in_window as double) as measured,
        cast({{ repeat_threshold }} as double) as threshold,
        cast(
            '辅警' || person_id || '截至' || strftime(received_date, '%Y-%m-%d') || '的'
            || cast({{ window_days }} as varchar) || '日内被查实（含部分属实）的投诉举报达'
            || cast(complaints_in_window as varchar) || '件（投诉编号' || complaint_id || '）。'
            as varchar
        ) as detail
    from per_month

)

select * from final
