-- R02 (第十条): a person hired on or after the regulation took effect who was under 18 on the
-- hire date. Age in completed years compares (month, day) of hire and birth, so someone born on
-- 29 February reaches 18 on 1 March of a common year (28 February is still 17).
with persons as (
    select * from {{ ref('int_persons__attributes') }}
    where hire_date >= {{ policy_date('effective_date') }}
        and birth_date is not null
),

aged as (
    select
        person_id,
        first_bureau_code,
        hire_date,
        year(hire_date) - year(birth_date)
        - case
            when month(hire_date) * 100 + day(hire_date) < month(birth_date) * 100 + day(birth_date)
                then 1
            else 0
        end as age_on_hire
    from persons
),

underage as (
    select *
    from aged
    where age_on_hire < 18
),

final as (
    select
        cast('R02' as varchar) as rule_id,
        cast('第十条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(first_bureau_code as varchar) as bureau_code,
        cast(date_trunc('month', hire_date) as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(age_on_hire as double) as measured,
        cast(18 as double) as threshold,
        cast(
            '辅警' || person_id || '于' || strftime(hire_date, '%Y年%-m月%-d日') || '入职时' || age_on_hire
            || '周岁，未满十八周岁。'
            as varchar
        ) as detail
    from underage
)

select * from final
