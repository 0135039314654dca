{#- Custom schemas are used as given (staging, intermediate, rules, marts, reporting),
    not prefixed with the target schema: the published file and the dashboards name
    them directly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
