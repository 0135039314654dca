-- Closure of the bureau hierarchy: every (ancestor, descendant) pair, each bureau with
-- itself at depth 0, for roll-ups over a bureau's subtree.
with recursive bureaus as (

    select * from {{ ref('stg_submissions__bureaus') }}

),

closure as (

    select
        bureau_code as ancestor_code,
        bureau_code as descendant_code,
        0 as depth
    from bureaus

    union all

    select
        closure.ancestor_code,
        bureaus.bureau_code as descendant_code,
        closure.depth + 1 as depth
    from closure
    inner join bureaus
        on bureaus.parent_code = closure.descendant_code
    -- a corrected bureaus file could close a loop; the hierarchy is far shallower than this
    where closure.depth < 20

),

final as (

    select
        ancestor_code,
        descendant_code,
        min(depth) as depth
    from closure
    group by ancestor_code, descendant_code

)

select * from final
