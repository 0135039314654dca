-- Roster rows known at as_of (rules.md "Terms"): months starting after as_of are not yet
-- known, and a pretraining_date later than as_of reads as null.
with roster as (

    select * from {{ ref('stg_submissions__roster') }}

),

final as (

    select
        * replace (
            case
                when pretraining_date > {{ as_of() }} then null
                else pretraining_date
            end as pretraining_date
        )
    from roster
    where snapshot_month <= {{ as_of() }}

)

select * from final
