-- Person attributes are those of the person's earliest known roster row, ordered by
-- (snapshot_month, bureau_code) across bureaus (rules.md "Terms").
with roster as (

    select * from {{ ref('int_roster__known') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by person_id
            order by snapshot_month, bureau_code
        ) as row_rank
    from roster

),

final as (

    select
        person_id,
        bureau_code as first_bureau_code,
        snapshot_month as first_snapshot_month,
        hire_date,
        date_trunc('month', hire_date)::date as hire_month,
        id_hash,
        birth_date,
        education,
        special_status,
        recruitment_batch,
        category,
        post_code,
        level
    from ranked
    where row_rank = 1

)

select * from final
