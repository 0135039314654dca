-- One row per bureau with its place in the tree, so the dashboards can draw the hierarchy
-- (indent by depth, order by path) without recursive SQL at query time.
with bureaus as (

    select * from {{ ref('stg_submissions__bureaus') }}

),

closure as (

    select * from {{ ref('int_bureaus__tree') }}

),

ancestry as (

    -- the ancestors of each bureau, root first, give its depth and a sortable path
    select
        closure.descendant_code as bureau_code,
        max(closure.depth) as depth,
        string_agg(closure.ancestor_code, '/' order by closure.depth desc) as path
    from closure
    group by closure.descendant_code

),

children as (

    select
        parent_code as bureau_code,
        count(*) as child_count
    from bureaus
    where parent_code is not null
    group by parent_code

),

final as (

    select
        bureaus.bureau_code,
        bureaus.bureau_name,
        bureaus.parent_code,
        bureaus.bureau_level,
        coalesce(ancestry.depth, 0) as depth,
        coalesce(ancestry.path, bureaus.bureau_code) as path,
        coalesce(children.child_count, 0) as child_count
    from bureaus
    left join ancestry
        on bureaus.bureau_code = ancestry.bureau_code
    left join children
        on bureaus.bureau_code = children.bureau_code

)

select * from final
