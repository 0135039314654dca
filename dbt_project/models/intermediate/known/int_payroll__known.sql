-- payroll rows known at as_of (rules.md "Terms"): months starting after as_of are not yet known.
with payroll as (

    select * from {{ ref('stg_submissions__payroll') }}

),

final as (

    select *
    from payroll
    where pay_month <= {{ as_of() }}

)

select * from final
