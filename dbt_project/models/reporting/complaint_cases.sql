-- Each known complaint with its deadlines as C01/C02 judge them (int_complaints__deadlines)
-- and the days it is or was overdue, for the Complaints page's case lists. Complainant
-- name and phone never leave the raw layer; the person complained of appears by person_id.
with deadlines as (

    select * from {{ ref('int_complaints__deadlines') }}

),

final as (

    select
        complaint_id,
        bureau_code,
        person_id,
        received_date,
        received_month,
        channel,
        category,
        extended,
        concluded_date,
        finding,
        feedback_date,
        deadline,
        feedback_deadline,
        case when is_concluded then 'concluded' else 'open' end as status,
        is_concluded_on_time,
        is_open_overdue,
        case
            when is_open_overdue then date_diff('day', deadline, {{ as_of() }})
            when is_concluded_late then date_diff('day', deadline, concluded_date)
            else 0
        end as days_overdue,
        is_feedback_on_time,
        is_feedback_late
    from deadlines

)

select * from final
