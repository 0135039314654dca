-- Complaints known at as_of (rules.md "Terms"): complaints received after as_of are not
-- yet known; a concluded_date or feedback_date later than as_of reads as null, and a
-- complaint not concluded by as_of has no finding yet.
with complaints as (

    select * from {{ ref('stg_submissions__complaints') }}
    where received_date <= {{ as_of() }}

),

cut as (

    select
        * replace (
            case
                when concluded_date > {{ as_of() }} then null
                else concluded_date
            end as concluded_date,
            case
                when feedback_date > {{ as_of() }} then null
                else feedback_date
            end as feedback_date
        )
    from complaints

),

final as (

    select
        * replace (
            case when concluded_date is null then null else finding end as finding
        )
    from cut

)

select * from final
