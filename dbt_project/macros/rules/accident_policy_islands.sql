{#- CTEs (to be placed inside a model's `with`) ending in `islands`: the union of each
    person's accident policies of one type as disjoint maximal date ranges (island_start,
    island_end, both inclusive), for I04 and I05. Policies of any bureau count.

    Gaps and islands: a policy starting no later than the day after the furthest end so far
    continues the island (adjacent policies leave no gap), a later start - even by one day -
    opens a new one. Because islands are disjoint, the days they cover inside a roster row's
    active range add up, so each row joins a handful of islands instead of being expanded
    into days. Lives in a macro (not a model) so that each rule's unit tests can feed it
    policies directly. -#}
{% macro accident_policy_islands(policy_type) %}
policies as (

    select
        person_id,
        start_date,
        end_date
    from {{ ref('stg_submissions__accident_policies') }}
    where policy_type = '{{ policy_type }}'
        -- a reversed range covers no day
        and start_date <= end_date

),

policies_ordered as (

    select
        *,
        -- the furthest day any earlier policy of the person reaches
        max(end_date) over (
            partition by person_id
            order by start_date, end_date
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from policies

),

policies_numbered as (

    select
        *,
        sum(
            case
                when covered_until is null or start_date > covered_until + 1 then 1
                else 0
            end
        ) over (
            partition by person_id
            order by start_date, end_date
            rows between unbounded preceding and current row
        ) as island_no
    from policies_ordered

),

islands as (

    select
        person_id,
        island_no,
        min(start_date) as island_start,
        max(end_date) as island_end
    from policies_numbered
    group by person_id, island_no

)
{% endmacro %}
