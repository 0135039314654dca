-- Q04 (第八条): auxiliaries per police officer above policy max_aux_per_police. Silent unless the
-- policy sets the ratio. police_count is that month's or the latest earlier month's (resolved in
-- int_bureaus__month_end_usage); with no police row at all there is no ratio to judge.
{#- policy_number() renders the limit as a typed literal and refuses a non-number -#}
{%- set ratio_set = var('max_aux_per_police', none) is not none %}

with usage as (
    select * from {{ ref('int_bureaus__month_end_usage') }}
),

over_ratio as (
    select
        bureau_code,
        month,
        headcount_total,
        police_count,
        -- police 0 with auxiliaries on the books has no finite ratio: measured stays null
        case
            when police_count > 0 then cast(headcount_total as double) / police_count
        end as ratio
    from usage
    {%- if not ratio_set %}
    -- the policy leaves the ratio unset: Q04 is silent
    where false
    {%- else %}
    where police_count is not null
        and (
            (police_count = 0 and headcount_total > 0)
            or (
                police_count > 0
                and cast(headcount_total as double) / police_count
                > {{ policy_number('max_aux_per_police') }}
            )
        )
    {%- endif %}
),

final as (
    select
        cast('Q04' as varchar) as rule_id,
        cast('第八条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(month as date) as period,
        cast('bureau' as varchar) as subject_type,
        cast(bureau_code as varchar) as subject_id,
        cast(ratio as double) as measured,
        {{ policy_number('max_aux_per_police') }} as threshold,
        cast(
            strftime(month, '%Y年%-m月') || '月末在册辅警' || headcount_total || '人，民警' || police_count
            || '人，辅警与民警人数之比超过规定上限'
            || cast({{ policy_number('max_aux_per_police') }} as varchar) || '。'
            as varchar
        ) as detail
    from over_ratio
)

select * from final
