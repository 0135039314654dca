{#- Monthly incremental builds of the large person-month facts.

    Every row of the incremental models (the spine, D01, I01, I02, P01, P03, P04,
    insurance_coverage, reporting.insurance_gaps, reporting.person_months,
    pay_vs_standard and accident_exposure)
    depends only on rows of its own month plus small tables
    whose change forces a full rebuild (posts, pay_standards, economic_indicators, the
    policy, the code). So a run that loaded new roster, payroll or insurance files, or
    moved as_of, only needs to recompute the months those touched: the pipeline
    (assets/dbt_plan.py) works them out from raw.load_ledger and passes them as the var
    `rebuild_months`, a list of month starts 'YYYY-MM-01'. Unset (null) means every month,
    which is also what a first build or --full-refresh does. -#}

{#- The months to rebuild as a SQL list of date literals; none when every month is. -#}
{% macro rebuild_months_sql() -%}
    {%- set value = var('rebuild_months', none) -%}
    {%- if value is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- if value is string or value is not iterable or value is mapping -%}
        {{ exceptions.raise_compiler_error("var 'rebuild_months' must be a list of dates, got " ~ value) }}
    {%- endif -%}
    {%- set items = [] -%}
    {%- for item in value -%}
        {%- set text = _auxwatch_date_text('rebuild_months', item) -%}
        {%- if not text.endswith('-01') -%}
            {{ exceptions.raise_compiler_error("var 'rebuild_months': " ~ text ~ " is not the first day of a month") }}
        {%- endif -%}
        {%- do items.append("date '" ~ text ~ "'") -%}
    {%- endfor -%}
    {#- An empty list is valid: nothing of the large facts changed. -#}
    {{- return('(' ~ (items | join(', ') if items else 'null') ~ ')') -}}
{%- endmacro %}

{#- A predicate on `column` selecting the months this build recomputes. -#}
{% macro in_rebuilt_months(column) -%}
    {%- set months = rebuild_months_sql() -%}
    {%- if months is none -%}
        true
    {%- else -%}
        {{ column }} in {{ months }}
    {%- endif -%}
{%- endmacro %}

{#- The condition an incremental model's inputs are filtered on: the months being rebuilt
    on an incremental build, every month on a full one (first build, --full-refresh). -#}
{% macro rebuilt_months_condition(column) -%}
    {%- if is_incremental() -%}
        {{ in_rebuilt_months(column) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of an incremental model: drop the months about to be recomputed, so a month
    that lost all its rows (a correction, as_of moved back) does not keep stale ones. -#}
{% macro delete_rebuilt_months(column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_rebuilt_months(column) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The month column of each month-keyed table whose data tests check only the months a
    build recomputed: the other months were checked when they were built and no load has
    touched them since. Every key these tests check includes the month, so a duplicate or
    a bad value can only appear in a month that changed. -#}
{% macro month_keyed_tables() -%}
    {{- return({
        'stg_submissions__roster': 'snapshot_month',
        'stg_submissions__payroll': 'pay_month',
        'stg_submissions__insurance': 'month',
        'int_roster__active_days': 'snapshot_month',
        'rule_d01_duplicate_identity': 'period',
        'rule_i01_insurance_missing': 'period',
        'rule_i02_base_below_floor': 'period',
        'rule_p01_pay_below_standard': 'period',
        'rule_p03_ghost_pay': 'period',
        'rule_p04_unpaid_roster_row': 'period',
        'pay_vs_standard': 'month',
        'accident_exposure': 'month',
        'insurance_coverage': 'month',
        'insurance_gaps': 'month',
    }) -}}
{%- endmacro %}

{#- dbt's hook for the relation a data test reads (its default applies the test's `where`
    config): on the month-keyed tables, only the rebuilt months. -#}
{% macro get_where_subquery(relation) -%}
    {%- set clauses = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do clauses.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set month_column = month_keyed_tables().get(relation.identifier) -%}
    {%- if month_column and rebuild_months_sql() is not none -%}
        {%- do clauses.append(in_rebuilt_months(month_column)) -%}
    {%- endif -%}
    {%- if clauses -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ clauses | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{- return(filtered) -}}
    {%- else -%}
        {{- return(relation) -}}
    {%- endif -%}
{%- endmacro %}
