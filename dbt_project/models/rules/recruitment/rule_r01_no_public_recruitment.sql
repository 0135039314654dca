-- R01 (第九条): a person hired on or after the regulation took effect without a public
-- recruitment batch, judged once per person on the person attributes (earliest roster row).
with persons as (
    select * from {{ ref('int_persons__attributes') }}
    where hire_date >= {{ policy_date('effective_date') }}
),

unrecruited as (
    select
        person_id,
        first_bureau_code,
        hire_date
    from persons
    where recruitment_batch is null
),

final as (
    select
        cast('R01' as varchar) as rule_id,
        cast('第九条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(first_bureau_code as varchar) as bureau_code,
        cast(date_trunc('month', hire_date) as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(
            '辅警' || person_id || '于' || strftime(hire_date, '%Y年%-m月%-d日')
            || '入职，无公开招聘批次记录。'
            as varchar
        ) as detail
    from unrecruited
)

select * from final
