-- I04 (第二十二条): every active day of a roster row must be covered by the person's
-- public-transport accident insurance (公共交通意外伤害保险), policies of any bureau.
with active_rows as (

    select
        bureau_code,
        snapshot_month,
        person_id,
        active_from,
        active_to
    from {{ ref('int_roster__active_days') }}
    where is_active

),

{{ accident_policy_islands('transport_accident') }},

{{ accident_policy_gaps() }},

final as (

    select
        cast('I04' as varchar) as rule_id,
        cast('第二十二条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(snapshot_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(uncovered_days as double) as measured,
        cast(null as double) as threshold,
        cast(
            strftime(snapshot_month, '%Y年%-m月') || '辅警' || person_id || '在岗' || cast(active_days as varchar)
            || '天中有' || cast(uncovered_days as varchar) || '天未参加公共交通意外伤害保险。'
            as varchar
        ) as detail
    from violations

)

select * from final
