-- C02 (第十八条): the result must be told to the complainant. A concluded complaint whose
-- feedback_date is later than concluded_date + feedback_days calendar days, or is still
-- missing once as_of is past that day, fires. Feedback on the last allowed day is on time.
{%- set feedback_days = policy_int('feedback_days') %}
with complaints as (

    select
        *,
        concluded_date + {{ feedback_days }} as feedback_deadline
    from {{ ref('int_complaints__known') }}
    -- concluded by as_of (a later concluded_date reads as null in int_complaints__known)
    where concluded_date is not null

),

violations as (

    select
        *,
        coalesce(feedback_date, {{ as_of() }}) - concluded_date as days_taken
    from complaints
    where feedback_date > feedback_deadline
        or (feedback_date is null and {{ as_of() }} > feedback_deadline)

),

final as (

    select
        cast('C02' as varchar) as rule_id,
        cast('第十八条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(date_trunc('month', received_date) as date) as period,
        cast('complaint' as varchar) as subject_type,
        cast(complaint_id as varchar) as subject_id,
        cast(days_taken as double) as measured,
        cast({{ feedback_days }} as double) as threshold,
        cast(
            '投诉举报' || complaint_id || '于' || strftime(concluded_date, '%Y-%m-%d') || '办结，'
            || case
                when feedback_date is not null
                    then '至' || strftime(feedback_date, '%Y-%m-%d') || '方告知结果，'
                else '截至' || strftime({{ as_of() }}, '%Y-%m-%d') || '仍未告知结果，'
            end
            || '超过' || cast({{ feedback_days }} as varchar) || '日反馈期限。'
            as varchar
        ) as detail
    from violations

)

select * from final
