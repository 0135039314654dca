-- W02 (第五、六条): an auxiliary active in month M whose category does not match the kind of
-- the post: a civilian auxiliary on a duty (law-enforcement) post, or a duty auxiliary on a
-- civilian post. Prohibited posts are W01's; posts missing from the catalogue stay silent.
with active_rows as (
    select * from {{ ref('int_roster__active_days') }}
    where is_active
),

mismatched as (
    select
        bureau_code,
        snapshot_month,
        person_id,
        post_code,
        category
    from active_rows
    where (category = 'civilian' and post_kind = 'duty')
        or (category = 'duty' and post_kind = 'civilian')
),

final as (
    select
        cast('W02' as varchar) as rule_id,
        cast('第五、六条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(snapshot_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(
            strftime(snapshot_month, '%Y年%-m月') || case
                when category = 'civilian' then '文职辅警' || person_id || '在勤务岗位' || post_code || '上岗。'
                else '勤务辅警' || person_id || '在文职岗位' || post_code || '上岗。'
            end
            as varchar
        ) as detail
    from mismatched
)

select * from final
