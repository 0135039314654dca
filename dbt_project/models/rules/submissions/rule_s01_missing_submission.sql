-- S01 (第四条): a bureau that submits rosters left a month without roster, payroll or insurance
-- rows. Judged for every month from the bureau's first known roster month whose last day is
-- before as_of, including months after its last roster; one finding per missing dataset.
with roster as (
    select * from {{ ref('int_roster__known') }}
),

payroll as (
    select * from {{ ref('int_payroll__known') }}
),

insurance as (
    select * from {{ ref('int_insurance__known') }}
),

first_months as (
    select
        bureau_code,
        min(snapshot_month) as first_month
    from roster
    group by bureau_code
),

bureau_months as (
    -- M.end < as_of exactly when M starts before as_of's month
    select
        bureau_code,
        cast(unnest(range(first_month, date_trunc('month', {{ as_of() }}), interval 1 month)) as date)
            as month
    from first_months
),

submitted as (
    select distinct bureau_code, snapshot_month as month, 'roster' as dataset from roster
    union all
    select distinct bureau_code, pay_month as month, 'payroll' as dataset from payroll
    union all
    select distinct bureau_code, month, 'insurance' as dataset from insurance
),

datasets as (
    select * from (
        values
            ('roster', '花名册'),
            ('payroll', '工资发放'),
            ('insurance', '社保公积金缴纳')
    ) as t (dataset, dataset_zh)
),

missing as (
    select
        bureau_months.bureau_code,
        bureau_months.month,
        datasets.dataset,
        datasets.dataset_zh
    from bureau_months
    cross join datasets
    left join submitted
        on submitted.bureau_code = bureau_months.bureau_code
        and submitted.month = bureau_months.month
        and submitted.dataset = datasets.dataset
    where submitted.bureau_code is null
),

final as (
    select
        cast('S01' as varchar) as rule_id,
        cast('第四条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(month as date) as period,
        cast('submission' as varchar) as subject_type,
        cast(dataset as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(strftime(month, '%Y年%-m月') || '未报送' || dataset_zh || '数据。' as varchar) as detail
    from missing
)

select * from final
