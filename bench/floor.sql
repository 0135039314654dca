-- The floor: marts.quota_usage, marts.insurance_coverage and rule I01 straight from the
-- inbox's cells, in one DuckDB script. bench/floor.py lands every file's cells as text
-- (land.<dataset>, one row per data row, `_file` = the file's position in name order)
-- and the contract's labels (land.labels); everything else happens here.
-- Parameters: $as_of (date), $required (varchar[]).

create or replace macro floor_date(v) as cast(coalesce(
    try_strptime(v, '%Y-%m-%d'),
    try_strptime(v, '%Y/%m/%d'),
    try_strptime(v, '%Y年%m月%d日'),
    try_strptime(left(v, 10), '%Y-%m-%d')
) as date);

create or replace macro floor_month(v) as cast(date_trunc('month', coalesce(
    try_strptime(v, '%Y-%m'),
    try_strptime(v, '%Y/%m'),
    try_strptime(v, '%Y年%m月'),
    try_strptime(left(v, 10), '%Y-%m-%d')
)) as date);

create or replace table result.roster as
with typed as (
    select
        _file,
        floor_month(snapshot_month) as snapshot_month,
        bureau_code,
        person_id,
        coalesce(l.code, category) as category,
        floor_date(hire_date) as hire_date,
        floor_date(leave_date) as leave_date
    from land.roster
    left join land.labels as l
        on l.dataset = 'roster' and l.col = 'category' and l.label = roster.category
),
current_rows as (
    -- a later file for the same bureau and month replaces the earlier one whole
    select *
    from typed
    where snapshot_month is not null and snapshot_month <= $as_of
    qualify _file = max(_file) over (partition by bureau_code, snapshot_month)
),
final as (
    select
        *,
        greatest(snapshot_month, hire_date) <= last_day(snapshot_month)
            and least(last_day(snapshot_month), leave_date) = last_day(snapshot_month)
            as at_month_end
    from current_rows
)
select * from final;

create or replace table result.insurance as
with typed as (
    select
        _file,
        floor_month(month) as month,
        bureau_code,
        person_id,
        coalesce(t.code, insurance_type) as insurance_type,
        coalesce(s.code, status) as status
    from land.insurance
    left join land.labels as t
        on t.dataset = 'insurance' and t.col = 'insurance_type'
        and t.label = insurance.insurance_type
    left join land.labels as s
        on s.dataset = 'insurance' and s.col = 'status' and s.label = insurance.status
),
final as (
    select *
    from typed
    where month is not null and month <= $as_of
    qualify _file = max(_file) over (partition by bureau_code, month)
)
select * from final;

create or replace table result.quotas as
with typed as (
    select
        _file,
        bureau_code,
        cast(try_cast(regexp_extract(year, '\d{4}') as integer) as integer) as year,
        try_cast(replace(quota_total, ',', '') as bigint) as quota_total,
        try_cast(replace(quota_duty, ',', '') as bigint) as quota_duty,
        try_cast(replace(quota_civilian, ',', '') as bigint) as quota_civilian
    from land.quotas
),
final as (
    select *
    from typed
    where make_date(year, 1, 1) <= $as_of
    qualify _file = max(_file) over (partition by bureau_code, year)
)
select * from final;

create or replace table result.police_strength as
with typed as (
    select
        _file,
        bureau_code,
        floor_month(month) as month,
        try_cast(replace(police_count, ',', '') as bigint) as police_count
    from land.police_strength
),
final as (
    select *
    from typed
    where month is not null and month <= $as_of
    qualify _file = max(_file) over (partition by bureau_code, month)
)
select * from final;

create or replace table result.quota_usage as
with headcounts as (
    select
        bureau_code,
        snapshot_month as month,
        count(*) filter (where at_month_end) as headcount_total,
        count(*) filter (where at_month_end and category = 'duty') as headcount_duty,
        count(*) filter (where at_month_end and category = 'civilian') as headcount_civilian
    from result.roster
    group by all
),
with_quota as (
    select h.*, q.quota_total, q.quota_duty, q.quota_civilian
    from headcounts as h
    left join result.quotas as q
        on h.bureau_code = q.bureau_code and year(h.month) = q.year
),
final as (
    select
        w.bureau_code,
        w.month,
        w.headcount_total,
        w.headcount_duty,
        w.headcount_civilian,
        w.quota_total,
        w.quota_duty,
        w.quota_civilian,
        cast(w.headcount_total as double) / nullif(w.quota_total, 0) as utilization,
        p.police_count,
        cast(w.headcount_total as double) / nullif(p.police_count, 0) as aux_per_police
    from with_quota as w
    asof left join result.police_strength as p
        on w.bureau_code = p.bureau_code and w.month >= p.month
)
select * from final;

create or replace table result.insurance_coverage as
with required_types as (
    select unnest($required) as insurance_type
),
bureau_months as (
    select distinct bureau_code, snapshot_month as month from result.roster
),
at_month_end as (
    select bureau_code, snapshot_month as month, person_id
    from result.roster
    where at_month_end
),
paid as (
    select * from result.insurance where status = 'paid'
),
required as (
    select bureau_code, month, count(*) as required_persons
    from at_month_end
    group by all
),
covered as (
    select a.bureau_code, a.month, r.insurance_type, count(*) as covered_persons
    from at_month_end as a
    cross join required_types as r
    semi join paid as p
        on a.person_id = p.person_id and a.month = p.month
        and r.insurance_type = p.insurance_type
    group by all
),
final as (
    select
        b.bureau_code,
        b.month,
        r.insurance_type,
        coalesce(q.required_persons, 0) as required_persons,
        coalesce(c.covered_persons, 0) as covered_persons,
        cast(coalesce(c.covered_persons, 0) as double) / nullif(q.required_persons, 0)
            as coverage_rate
    from bureau_months as b
    cross join required_types as r
    left join required as q on b.bureau_code = q.bureau_code and b.month = q.month
    left join covered as c
        on b.bureau_code = c.bureau_code and b.month = c.month
        and r.insurance_type = c.insurance_type
)
select * from final;

create or replace table result.rule_i01 as
with required_types as (
    select unnest($required) as insurance_type
),
paid as (
    select distinct month, person_id, insurance_type
    from result.insurance
    where status = 'paid'
),
expected as (
    select a.bureau_code, a.snapshot_month, a.person_id, r.insurance_type
    from result.roster as a
    cross join required_types as r
    where a.at_month_end
),
final as (
    select
        'I01' as rule_id,
        bureau_code,
        snapshot_month as period,
        person_id || '/' || insurance_type as subject_id
    from expected
    anti join paid
        on expected.snapshot_month = paid.month
        and expected.person_id = paid.person_id
        and expected.insurance_type = paid.insurance_type
)
select * from final;
