-- outputs.md marts.compliance_findings: every finding of every rule model, one row per
-- finding, with a deterministic finding_id.
--
-- The rule models are those tagged `rule` in the dbt graph. dbt fixes a model's
-- dependencies at parse time, before that graph exists, so the dependencies come from
-- macros/rule_registry.sql (generated from models/rules by scripts/rule_registry.py) and
-- the build stops if a model tagged `rule` is missing from it.
{%- for name in rule_model_names() %}
-- depends_on: {{ ref(name) }}
{%- endfor %}

{%- set rule_models = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() | sort(attribute='name') %}
        {%- if node.resource_type == 'model' and 'rule' in node.tags %}
            {%- if node.unique_id not in model.depends_on.nodes %}
                {{ exceptions.raise_compiler_error(
                    "rule model " ~ node.name ~ " is missing from macros/rule_registry.sql: "
                    ~ "run .venv/bin/python dbt_project/scripts/rule_registry.py"
                ) }}
            {%- endif %}
            {%- do rule_models.append(node.name) %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with findings as (

    {%- for name in rule_models %}

    select
        cast(rule_id as varchar) as rule_id,
        cast(article as varchar) as article,
        cast(severity as varchar) as severity,
        cast(bureau_code as varchar) as bureau_code,
        cast(period as date) as period,
        cast(subject_type as varchar) as subject_type,
        cast(subject_id as varchar) as subject_id,
        cast(measured as double) as measured,
        cast(threshold as double) as threshold,
        cast(detail as varchar) as detail
    from {{ ref(name) }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- else %}

    -- no rule model yet: an empty table of the right shape
    select
        cast(null as varchar) as rule_id,
        cast(null as varchar) as article,
        cast(null as varchar) as severity,
        cast(null as varchar) as bureau_code,
        cast(null as date) as period,
        cast(null as varchar) as subject_type,
        cast(null as varchar) as subject_id,
        cast(null as double) as measured,
        cast(null as double) as threshold,
        cast(null as varchar) as detail
    where false
    {%- endfor %}

),

final as (

    select
        -- the same finding gets the same id on every run (docs/dbt_conventions.md)
        md5(
            rule_id || '|' || bureau_code || '|' || cast(period as varchar) || '|' || subject_id
        ) as finding_id,
        rule_id,
        article,
        severity,
        bureau_code,
        period,
        subject_type,
        subject_id,
        measured,
        threshold,
        detail
    from findings

)

select * from final
