-- The subtree closure as the dashboards' scoping table: a user of bureau B sees the rows
-- of every descendant_code whose ancestor_code is B.
with closure as (

    select * from {{ ref('int_bureaus__tree') }}

),

final as (

    select
        ancestor_code,
        descendant_code,
        depth
    from closure

)

select * from final
