-- Union of each person's accident policies per policy type, as disjoint maximal date ranges
-- (gaps and islands). Policies of any bureau count; start and end dates are inclusive, so a
-- policy starting the day after another ends continues the same island, while a one-day
-- gap starts a new one. I04/I05 then test containment of a roster row's active days in
-- one island instead of expanding millions of rows into days.
with policies as (

    select
        person_id,
        policy_type,
        start_date,
        end_date
    from {{ ref('stg_submissions__accident_policies') }}
    -- a reversed range covers no day
    where start_date <= end_date

),

ordered as (

    select
        *,
        -- the furthest day covered by any earlier policy of the person and type
        max(end_date) over (
            partition by person_id, policy_type
            order by start_date, end_date
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from policies

),

flagged as (

    select
        *,
        case
            when covered_until is null or start_date > covered_until + 1 then 1
            else 0
        end as starts_island
    from ordered

),

numbered as (

    select
        *,
        sum(starts_island) over (
            partition by person_id, policy_type
            order by start_date, end_date
            rows between unbounded preceding and current row
        ) as island_no
    from flagged

),

final as (

    select
        person_id,
        policy_type,
        island_no,
        min(start_date) as island_start,
        max(end_date) as island_end
    from numbered
    group by person_id, policy_type, island_no

)

select * from final
