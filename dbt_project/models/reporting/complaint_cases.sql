-- Each known complaint with its conclusion deadline (C01: policy.complaint_deadline_days,
-- plus complaint_extension_days when extended, counted in calendar days or as the N-th
-- working day after receipt) and its feedback deadline (C02). Complainant name and phone
-- never leave the raw layer; the person complained of appears by person_id only.
-- depends_on: {{ ref('int_calendar__days') }}
{%- set basis = complaint_days_basis() %}
with complaints as (

    select * from {{ ref('int_complaints__known') }}

),

allowed as (

    select
        *,
        {{ policy_int('complaint_deadline_days') }}
            + case when extended = 'Y' then {{ policy_int('complaint_extension_days') }} else 0 end
            as allowed_days
    from complaints

),

{% if basis == 'workdays' %}
workdays as (

    select
        calendar_date,
        row_number() over (order by calendar_date) as workday_no
    from {{ ref('int_calendar__days') }}
    where is_workday

),

calendar_bounds as (

    select min(calendar_date) as first_day, max(calendar_date) as last_day
    from {{ ref('int_calendar__days') }}

),

received_rank as (

    -- working days up to and including the receipt date; the N-th working day after it
    -- is then number rank + N. Outside the calendar's years the deadline is unknown.
    select
        allowed.*,
        case
            when allowed.received_date
                between calendar_bounds.first_day and calendar_bounds.last_day
                then coalesce(workdays.workday_no, 0)
        end as received_rank
    from allowed
    cross join calendar_bounds
    asof left join workdays
        on allowed.received_date >= workdays.calendar_date

),

with_deadline as (

    select
        received_rank.* exclude (received_rank),
        workdays.calendar_date as deadline
    from received_rank
    left join workdays
        on workdays.workday_no = received_rank.received_rank + received_rank.allowed_days

),
{% else %}
with_deadline as (

    select
        allowed.*,
        cast(allowed.received_date + allowed.allowed_days as date) as deadline
    from allowed

),
{% endif %}

judged as (

    select
        *,
        cast(concluded_date + {{ policy_int('feedback_days') }} as date) as feedback_due
    from with_deadline

),

final as (

    select
        complaint_id,
        bureau_code,
        person_id,
        received_date,
        cast(date_trunc('month', received_date) as date) as received_month,
        channel,
        category,
        extended,
        concluded_date,
        finding,
        feedback_date,
        allowed_days,
        deadline,
        case when concluded_date is null then 'open' else 'concluded' end as status,
        case when concluded_date is not null then concluded_date <= deadline end
            as concluded_on_time,
        concluded_date is null and {{ as_of() }} > deadline as is_open_overdue,
        case
            when concluded_date is null and {{ as_of() }} > deadline
                then date_diff('day', deadline, {{ as_of() }})
            when concluded_date > deadline
                then date_diff('day', deadline, concluded_date)
            else 0
        end as days_overdue,
        feedback_due,
        case
            when concluded_date is null then null
            when feedback_date is not null then feedback_date <= feedback_due
            when {{ as_of() }} > feedback_due then false
        end as feedback_on_time
    from judged

)

select * from final
