-- Person attributes are those of the person's earliest known roster row, ordered by
-- (snapshot_month, bureau_code) across bureaus (rules.md "Terms").
with roster as (

    select * from {{ ref('int_roster__known') }}

),

-- (snapshot_month, bureau_code) is unique per person, so arg_min picks exactly the row a
-- ranking of all the person's rows would put first, as one hash aggregate instead of a
-- sort of every roster row (1.7 s -> 0.35 s on a province's 4.8M rows).
earliest as (

    select
        person_id,
        arg_min(
            struct_pack(
                bureau_code,
                snapshot_month,
                hire_date,
                id_hash,
                birth_date,
                education,
                special_status,
                recruitment_batch,
                category,
                post_code,
                level
            ),
            struct_pack(snapshot_month, bureau_code)
        ) as first_row
    from roster
    group by person_id

),

final as (

    select
        person_id,
        first_row.bureau_code as first_bureau_code,
        first_row.snapshot_month as first_snapshot_month,
        first_row.hire_date as hire_date,
        date_trunc('month', first_row.hire_date)::date as hire_month,
        first_row.id_hash as id_hash,
        first_row.birth_date as birth_date,
        first_row.education as education,
        first_row.special_status as special_status,
        first_row.recruitment_batch as recruitment_batch,
        first_row.category as category,
        first_row.post_code as post_code,
        first_row.level as level
    from earliest

)

select * from final
