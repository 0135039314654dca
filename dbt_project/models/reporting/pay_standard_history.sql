-- Every revision of the city pay standard (第二十一条 dynamic adjustment), with the change
-- from the previous standard of the same category and level.
with standards as (

    select * from {{ ref('stg_submissions__pay_standards') }}

),

final as (

    select
        effective_from,
        category,
        level,
        cast(standard_fixed_pay as double) as standard_fixed_pay,
        lag(effective_from) over w as previous_effective_from,
        cast(lag(standard_fixed_pay) over w as double) as previous_standard,
        cast(standard_fixed_pay - lag(standard_fixed_pay) over w as double) as change_amount,
        cast(standard_fixed_pay as double)
            / nullif(lag(standard_fixed_pay) over w, 0) - 1 as change_rate
    from standards
    window w as (partition by category, level order by effective_from)

)

select * from final
