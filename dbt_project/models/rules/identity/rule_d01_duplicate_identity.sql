-- D01 (第三、九条): one identity (keyed hash of the ID number) employed twice at once: two roster
-- rows of the same month with the same id_hash, in different bureaus or under different
-- person_ids, whose active days overlap. One finding per roster row involved; a row involved in
-- several such pairs is reported once.
-- Incremental by month (macros/incremental.sql): both rows of a pair are of one month, so a
-- run recomputes only the months its loads or as_of touched.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_months('period') }}",
    )
}}

with active_rows as (
    select
        bureau_code,
        snapshot_month,
        person_id,
        id_hash,
        active_from,
        active_to
    from {{ ref('int_roster__active_days') }}
    where is_active
        and id_hash is not null
        and {{ rebuilt_months_condition('snapshot_month') }}
),

pairs as (
    select
        this_row.bureau_code,
        this_row.snapshot_month,
        this_row.person_id,
        other_row.bureau_code as other_bureau_code,
        other_row.person_id as other_person_id
    from active_rows as this_row
    inner join active_rows as other_row
        on other_row.snapshot_month = this_row.snapshot_month
        and other_row.id_hash = this_row.id_hash
        and (
            other_row.bureau_code <> this_row.bureau_code
            or other_row.person_id <> this_row.person_id
        )
        and other_row.active_from <= this_row.active_to
        and this_row.active_from <= other_row.active_to
),

involved as (
    select
        bureau_code,
        snapshot_month,
        person_id,
        count(*) as other_rows
    from pairs
    group by bureau_code, snapshot_month, person_id
),

final as (
    select
        cast('D01' as varchar) as rule_id,
        cast('第三、九条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(snapshot_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(
            strftime(snapshot_month, '%Y年%-m月') || '辅警' || person_id || '的身份证号同期出现在另外'
            || other_rows || '条花名册记录中（不同单位或不同辅警编号），在岗日期重叠。'
            as varchar
        ) as detail
    from involved
)

select * from final
