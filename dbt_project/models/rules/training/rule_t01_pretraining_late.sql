-- T01 (第十四条): pre-job training (岗前培训) not completed within policy.pretraining_grace_days of
-- the hire date, for persons hired on or after the regulation took effect. The earliest
-- pretraining_date on any of the person's known rows counts (a date after as_of reads as null);
-- with none, the person is overdue once as_of is past hire_date + grace days.
with persons as (
    select * from {{ ref('int_persons__attributes') }}
    where hire_date >= {{ policy_date('effective_date') }}
),

roster as (
    select * from {{ ref('int_roster__known') }}
),

first_training as (
    select
        person_id,
        min(pretraining_date) as pretraining_date
    from roster
    group by person_id
),

judged as (
    select
        persons.person_id,
        persons.first_bureau_code,
        persons.hire_date,
        first_training.pretraining_date,
        persons.hire_date + {{ policy_int('pretraining_grace_days') }} as deadline
    from persons
    left join first_training
        on first_training.person_id = persons.person_id
),

late as (
    select *
    from judged
    where pretraining_date > deadline
        or (pretraining_date is null and {{ as_of() }} > deadline)
),

final as (
    select
        cast('T01' as varchar) as rule_id,
        cast('第十四条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(first_bureau_code as varchar) as bureau_code,
        cast(date_trunc('month', hire_date) as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        -- days from hire to training; null while the training is still missing
        cast(datediff('day', hire_date, pretraining_date) as double) as measured,
        cast({{ policy_int('pretraining_grace_days') }} as double) as threshold,
        cast(
            '辅警' || person_id || '于' || strftime(hire_date, '%Y年%-m月%-d日') || '入职，'
            || case
                when pretraining_date is not null
                    then '入职后第' || datediff('day', hire_date, pretraining_date) || '天才完成岗前培训，'
                else '截至' || strftime({{ as_of() }}, '%Y年%-m月%-d日') || '未完成岗前培训，'
            end
            || '超过' || {{ policy_int('pretraining_grace_days') }} || '天期限。'
            as varchar
        ) as detail
    from late
)

select * from final
