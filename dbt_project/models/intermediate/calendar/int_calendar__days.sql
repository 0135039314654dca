-- Chinese working days for the years the calendar knows: make-up workdays count,
-- public holidays do not.
with calendar as (

    select * from {{ source('submissions', 'cn_calendar') }}

),

final as (

    select
        calendar_date,
        is_workday
    from calendar

)

select * from final
