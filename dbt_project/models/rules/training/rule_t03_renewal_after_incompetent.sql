-- T03 (第十五条): a labour contract renewed although the assessment of the year before the new
-- contract's start year was incompetent (不称职); Art 15 makes the assessment the basis of renewal.
-- A renewal is a roster row whose contract_start is later than that of the person's previous
-- roster row, ordered by (snapshot_month, bureau_code) across bureaus.
with roster as (
    select * from {{ ref('int_roster__known') }}
),

assessments as (
    select * from {{ ref('int_assessments__known') }}
),

with_previous as (
    select
        bureau_code,
        snapshot_month,
        person_id,
        contract_start,
        lag(contract_start) over (
            partition by person_id
            order by snapshot_month, bureau_code
        ) as previous_contract_start
    from roster
),

renewals as (
    select *
    from with_previous
    where contract_start > previous_contract_start
),

after_incompetent as (
    select
        renewals.bureau_code,
        renewals.snapshot_month,
        renewals.person_id,
        renewals.contract_start,
        assessments.year as assessment_year
    from renewals
    inner join assessments
        on assessments.person_id = renewals.person_id
        and assessments.year = year(renewals.contract_start) - 1
    where assessments.grade = 'incompetent'
),

final as (
    select
        cast('T03' as varchar) as rule_id,
        cast('第十五条' as varchar) as article,
        cast('medium' as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(snapshot_month as date) as period,
        cast('person' as varchar) as subject_type,
        cast(person_id as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(
            '辅警' || person_id || '的劳动合同自' || strftime(contract_start, '%Y年%-m月%-d日')
            || '续订，但其' || assessment_year || '年度考核为不称职。'
            as varchar
        ) as detail
    from after_incompetent
)

select * from final
