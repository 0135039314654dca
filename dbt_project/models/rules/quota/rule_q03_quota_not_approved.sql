-- Q03 (第八条): a bureau employs auxiliaries in a year (a roster row active in some month of it)
-- without a quota that went through the Art 8 procedure: reviewed by the staffing and the
-- finance departments, then approved by the government (approval not before either review).
with active_rows as (
    select * from {{ ref('int_roster__active_days') }}
    where is_active
),

quotas as (
    select * from {{ ref('int_quotas__known') }}
),

bureau_years as (
    -- a roster row's active days lie inside its snapshot month, hence inside its year
    select distinct
        bureau_code,
        cast(year(snapshot_month) as bigint) as year
    from active_rows
),

judged as (
    select
        bureau_years.bureau_code,
        bureau_years.year,
        case
            when quotas.bureau_code is null
                then '无用人额度核定记录'
            when quotas.staffing_review_date is null
                then '用人额度缺少机构编制部门审核日期'
            when quotas.finance_review_date is null
                then '用人额度缺少财政部门审核日期'
            when quotas.approval_date is null
                then '用人额度缺少人民政府批准日期'
            when quotas.approval_date < quotas.staffing_review_date
                then '用人额度的人民政府批准日期早于机构编制部门审核日期'
            when quotas.approval_date < quotas.finance_review_date
                then '用人额度的人民政府批准日期早于财政部门审核日期'
        end as problem
    from bureau_years
    left join quotas
        on quotas.bureau_code = bureau_years.bureau_code
        and quotas.year = bureau_years.year
),

final as (
    select
        cast('Q03' as varchar) as rule_id,
        cast('第八条' as varchar) as article,
        cast('high' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(make_date(cast(year as integer), 1, 1) as date) as period,
        cast('bureau' as varchar) as subject_type,
        cast(bureau_code as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(year || '年度在岗使用辅警，但' || problem || '。' as varchar) as detail
    from judged
    where problem is not null
)

select * from final
