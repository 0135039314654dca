-- I05 (第二十二条): on a high-risk post, every active day of a roster row must also be
-- covered by the person's personal accident insurance (人身意外伤害保险), policies of any
-- bureau. A post missing from the catalogue is not high-risk (post_high_risk null): silent.
with active_rows as (

    select
        bureau_code,
        snapshot_month,
        person_id,
        post_code,
        active_from,
        active_to
    from {{ ref('int_roster__active_days') }}
    where is_active
        and post_high_risk

),

{{ accident_policy_islands('personal_accident') }},

{{ accident_policy_gaps(columns=['post_code']) }},

final as (

    select
        cast('I05' as varchar) as rule_id,
        cast('第二十二条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(snapshot_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(uncovered_days as double) as measured,
        cast(null as double) as threshold,
        cast(
            strftime(snapshot_month, '%Y年%-m月') || '辅警' || person_id || '在岗' || cast(active_days as varchar)
            || '天（高风险岗位' || post_code || '）中有' || cast(uncovered_days as varchar)
            || '天未参加人身意外伤害保险。'
            as varchar
        ) as detail
    from violations

)

select * from final
