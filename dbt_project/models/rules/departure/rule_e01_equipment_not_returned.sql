-- E01 (第十七条): on leaving, an auxiliary must return the issued ID, uniform, insignia and
-- equipment. For each bureau where the person has roster rows, the latest of them (by
-- snapshot_month) decides: a leave_date more than equipment_return_days before as_of and
-- equipment_returned not Y (null included) fires.
{%- set return_days = policy_int('equipment_return_days') %}
with roster as (

    select * from {{ ref('int_roster__known') }}

),

-- snapshot_month is unique per (bureau, person): arg_max picks the latest row as one hash
-- aggregate, without sorting every roster row.
latest_per_bureau as (

    select
        bureau_code,
        person_id,
        arg_max(
            struct_pack(snapshot_month, leave_date, equipment_returned),
            snapshot_month
        ) as latest_row
    from roster
    group by bureau_code, person_id

),

latest_rows as (

    select
        bureau_code,
        person_id,
        latest_row.snapshot_month as snapshot_month,
        latest_row.leave_date as leave_date,
        latest_row.equipment_returned as equipment_returned
    from latest_per_bureau

),

violations as (

    select
        *,
        {{ as_of() }} - leave_date as days_since_leave
    from latest_rows
    where leave_date is not null
        and leave_date + {{ return_days }} < {{ as_of() }}
        and equipment_returned is distinct from 'Y'

),

final as (

    select
        cast('E01' as varchar) as rule_id,
        cast('第十七条' as varchar) as article,
        cast('low' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(date_trunc('month', leave_date) as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(days_since_leave as double) as measured,
        cast({{ return_days }} as double) as threshold,
        cast(
            '辅警' || person_id || '于' || strftime(leave_date, '%Y-%m-%d') || '从单位' || bureau_code
            || '离职已' || cast(days_since_leave as varchar) || '天，'
            || case when equipment_returned = 'N' then '登记为未交回' else '未登记交回' end
            || '配发的证件、服装、标识和装备。'
            as varchar
        ) as detail
    from violations

)

select * from final
