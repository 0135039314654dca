{#- CTEs (to be placed inside a model's `with`, after `active_rows` and the
    `accident_policy_islands` CTEs) ending in `violations`: each active roster row with
    `active_days`, `covered_days` and `uncovered_days`, kept only when some active day is
    not covered. `columns` are further columns of `active_rows` carried through. Shared by
    I04 and I05, which differ only in the rows judged and the policy type. -#}
{% macro accident_policy_gaps(columns=[]) %}
-- Islands are disjoint, so the days they cover within the active range add up.
coverage as (

    select
        active_rows.bureau_code,
        active_rows.snapshot_month,
        active_rows.person_id,
        {%- for column in columns %}
        active_rows.{{ column }},
        {%- endfor %}
        active_rows.active_to - active_rows.active_from + 1 as active_days,
        -- least()/greatest() skip nulls, so rows without a matching island must be
        -- filtered out of the sum rather than left to null arithmetic
        coalesce(
            sum(
                least(active_rows.active_to, islands.island_end)
                - greatest(active_rows.active_from, islands.island_start) + 1
            ) filter (where islands.person_id is not null),
            0
        ) as covered_days
    from active_rows
    left join islands
        on active_rows.person_id = islands.person_id
        and islands.island_start <= active_rows.active_to
        and islands.island_end >= active_rows.active_from
    group by all

),

violations as (

    select
        *,
        active_days - covered_days as uncovered_days
    from coverage
    where covered_days < active_days

)
{% endmacro %}
