-- C01 (第十八条): complaints must be investigated in time. The deadline (calendar or working
-- days, extension included; int_complaints__deadlines, which stops the run when a working
-- day falls outside the calendar's known years) is missed when the complaint was concluded
-- after it, or is still open and as_of is past it. Concluding on the deadline day is on time.
with complaints as (

    select * from {{ ref('int_complaints__deadlines') }}

),

violations as (

    select
        *,
        -- days taken (concluded) or elapsed so far (open), against the days allowed, both
        -- in calendar days from receipt so that the two compare on either basis
        coalesce(concluded_date, {{ as_of() }}) - received_date as days_taken,
        deadline - received_date as days_allowed
    from complaints
    where concluded_date > deadline
        or (concluded_date is null and {{ as_of() }} > deadline)

),

final as (

    select
        cast('C01' as varchar) as rule_id,
        cast('第十八条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(date_trunc('month', received_date) as date) as period,
        cast('complaint' as varchar) as subject_type,
        cast(complaint_id as varchar) as subject_id,
        cast(days_taken as double) as measured,
        cast(days_allowed as double) as threshold,
        cast(
            '投诉举报' || complaint_id || '于' || strftime(received_date, '%Y-%m-%d') || '受理，办理期限'
            || cast(deadline_days as varchar)
            || case when days_basis = 'workdays' then '个工作日' else '日' end
            || case when extended = 'Y' then '（含延期）' else '' end
            || '至' || strftime(deadline, '%Y-%m-%d') || '，'
            || case
                when concluded_date is not null
                    then '实际于' || strftime(concluded_date, '%Y-%m-%d') || '办结，逾期'
                        || cast(concluded_date - deadline as varchar) || '日。'
                else '截至' || strftime({{ as_of() }}, '%Y-%m-%d') || '仍未办结，已逾期'
                    || cast({{ as_of() }} - deadline as varchar) || '日。'
            end
            as varchar
        ) as detail
    from violations

)

select * from final
