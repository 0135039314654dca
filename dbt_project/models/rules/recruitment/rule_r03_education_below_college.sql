-- R03 (第十条): a person hired on or after the regulation took effect with education below
-- college (大学专科) and no special status (veteran, heroic, martyr family, special skill)
-- that Art 10 lets a recruitment notice relax the requirement for.
with persons as (
    select * from {{ ref('int_persons__attributes') }}
    where hire_date >= {{ policy_date('effective_date') }}
),

below_college as (
    select
        person_id,
        first_bureau_code,
        hire_date
    from persons
    where education = 'below_college'
        and special_status is null
),

final as (
    select
        cast('R03' as varchar) as rule_id,
        cast('第十条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(first_bureau_code as varchar) as bureau_code,
        cast(date_trunc('month', hire_date) as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(
            '辅警' || person_id || '于' || strftime(hire_date, '%Y年%-m月%-d日')
            || '入职，学历为高中及以下且无可放宽学历条件的特殊身份。'
            as varchar
        ) as detail
    from below_college
)

select * from final
