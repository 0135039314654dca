-- Current payroll rows (superseded rows stay in raw).
with source as (

    select * from {{ source('submissions', 'payroll') }}

),

final as (

    select
        pay_month,
        bureau_code,
        person_id,
        base_pay,
        post_pay,
        level_pay,
        performance_pay,
        allowances,
        overtime_pay,
        gross_pay,
        si_employee,
        hf_employee,
        income_tax,
        net_pay,
        _load_id as load_id
    from source
    where _superseded_by is null

)

select * from final
