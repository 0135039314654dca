-- Handling deadlines of each known complaint (rules.md C01, C02), shared by the rule
-- models and marts.complaint_handling so both judge "on time" the same way.
--   deadline: received_date + complaint_deadline_days (+ complaint_extension_days when
--     extended = Y), in calendar days or, when complaint_days_basis = 'workdays', the
--     N-th working day after received_date (make-up workdays count, holidays do not).
--   feedback_deadline: concluded_date + feedback_days calendar days.
{%- set basis = complaint_days_basis() | trim %}
with complaints as (

    select * from {{ ref('int_complaints__known') }}

),

with_days as (

    select
        *,
        {{ policy_int('complaint_deadline_days') }}
        + case
            when extended = 'Y' then {{ policy_int('complaint_extension_days') }}
            else 0
        end as deadline_days
    from complaints

),

{% if basis == 'workdays' %}
calendar as (

    select * from {{ ref('int_calendar__days') }}

),

calendar_span as (

    select
        min(calendar_date) as first_date,
        max(calendar_date) as last_date
    from calendar

),

workdays as (

    -- numbering the working days turns "N-th working day after d" into an index lookup
    select
        calendar_date,
        row_number() over (order by calendar_date) as workday_no
    from calendar
    where is_workday

),

counted as (

    -- working days up to and including received_date (0 before the first one)
    select
        with_days.*,
        coalesce(workdays.workday_no, 0) as workdays_before
    from with_days
    asof left join workdays
        on with_days.received_date >= workdays.calendar_date

),

with_deadline as (

    select
        counted.* exclude (workdays_before),
        case
            when counted.received_date < calendar_span.first_date
                or counted.received_date > calendar_span.last_date
                or (counted.deadline_days > 0 and target.calendar_date is null)
                -- a working day outside the calendar's known years cannot be known:
                -- stop the run rather than guess (rules.md C01)
                then error(
                    'complaint ' || counted.complaint_id || ' received '
                    || strftime(counted.received_date, '%Y-%m-%d') || ': its '
                    || counted.deadline_days
                    || 'th working day lies outside the years the working-day calendar knows ('
                    || strftime(calendar_span.first_date, '%Y-%m-%d') || ' to '
                    || strftime(calendar_span.last_date, '%Y-%m-%d') || ')'
                )
            when counted.deadline_days = 0 then counted.received_date
            else target.calendar_date
        end as deadline
    from counted
    cross join calendar_span
    left join workdays as target
        on target.workday_no = counted.workdays_before + counted.deadline_days

),
{% else %}
with_deadline as (

    select
        *,
        received_date + cast(deadline_days as integer) as deadline
    from with_days

),
{% endif %}

judged as (

    select
        *,
        concluded_date + {{ policy_int('feedback_days') }} as feedback_deadline
    from with_deadline

),

final as (

    select
        complaint_id,
        bureau_code,
        person_id,
        received_date,
        date_trunc('month', received_date)::date as received_month,
        channel,
        category,
        extended,
        finding,
        concluded_date,
        feedback_date,
        '{{ basis }}' as days_basis,
        deadline_days,
        deadline,
        feedback_deadline,
        concluded_date is not null as is_concluded,
        date_diff('day', received_date, concluded_date) as days_to_conclude,
        coalesce(concluded_date <= deadline, false) as is_concluded_on_time,
        coalesce(concluded_date > deadline, false) as is_concluded_late,
        concluded_date is null and {{ as_of() }} > deadline as is_open_overdue,
        coalesce(feedback_date <= feedback_deadline, false) as is_feedback_on_time,
        -- late: given after the deadline, or still missing once as_of is past it
        concluded_date is not null
            and coalesce(
                feedback_date > feedback_deadline,
                {{ as_of() }} > feedback_deadline
            ) as is_feedback_late
    from judged

)

select * from final
