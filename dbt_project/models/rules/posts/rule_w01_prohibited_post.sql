-- W01 (第七条): an auxiliary active in month M on a post the catalogue marks prohibited.
-- A post_code missing from the catalogue has no kind (post_kind null) and stays silent.
with active_rows as (
    select * from {{ ref('int_roster__active_days') }}
    where is_active
),

prohibited as (
    select
        bureau_code,
        snapshot_month,
        person_id,
        post_code
    from active_rows
    where post_kind = 'prohibited'
),

final as (
    select
        cast('W01' as varchar) as rule_id,
        cast('第七条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(snapshot_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(
            strftime(snapshot_month, '%Y年%-m月') || '辅警' || person_id || '在禁止辅警从事的岗位'
            || post_code || '上岗。'
            as varchar
        ) as detail
    from prohibited
)

select * from final
