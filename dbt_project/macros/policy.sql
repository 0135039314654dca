{#- Policy parameters and as_of reach SQL only through these macros. Each one checks the
    var's type and renders a typed SQL literal, so a value passed with --vars can never
    inject SQL and a wrong type stops the run with a message naming the var. -#}

{#- 'YYYY-MM-DD' text of a date var given as a string or a YAML/TOML date. -#}
{% macro _auxwatch_date_text(name, value) -%}
    {%- if value is string -%}
        {%- set text = value | trim -%}
    {%- elif value is not none and value.strftime is defined -%}
        {%- set text = value.strftime('%Y-%m-%d') -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a date 'YYYY-MM-DD', got " ~ value) }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a date 'YYYY-MM-DD', got '" ~ text ~ "'") }}
    {%- endif -%}
    {#- strptime refuses impossible dates such as 2021-02-30 -#}
    {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
    {{- parsed.strftime('%Y-%m-%d') -}}
{%- endmacro %}

{#- The evaluation date as 'YYYY-MM-DD'; today on this machine when the var is unset. -#}
{% macro as_of_text() -%}
    {%- set value = var('as_of', none) -%}
    {%- if value is none or (value is string and value | trim == '') -%}
        {{- modules.datetime.date.today().strftime('%Y-%m-%d') -}}
    {%- else -%}
        {{- _auxwatch_date_text('as_of', value) -}}
    {%- endif -%}
{%- endmacro %}

{#- The evaluation date as a SQL date literal. -#}
{% macro as_of() -%}
    date '{{ as_of_text() }}'
{%- endmacro %}

{#- A date policy parameter (e.g. effective_date) as a SQL date literal. -#}
{% macro policy_date(name) -%}
    date '{{ _auxwatch_date_text(name, var(name)) }}'
{%- endmacro %}

{#- An integer policy parameter as a SQL integer literal. -#}
{% macro policy_int(name) -%}
    {%- set value = var(name) -%}
    {%- if value is boolean or value is not number or value != value | int -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be an integer, got " ~ value) }}
    {%- endif -%}
    {{- value | int -}}
{%- endmacro %}

{#- A numeric policy parameter as a SQL double; null (cast) when the var is unset. -#}
{% macro policy_number(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none -%}
        cast(null as double)
    {%- elif value is boolean or value is not number -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a number, got " ~ value) }}
    {%- else -%}
        cast({{ value | float }} as double)
    {%- endif -%}
{%- endmacro %}

{#- A text policy parameter restricted to `allowed`, as a quoted SQL literal. -#}
{% macro policy_text(name, allowed) -%}
    {%- set value = var(name) -%}
    {%- if value not in allowed -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be one of " ~ allowed ~ ", got " ~ value) }}
    {%- endif -%}
    '{{ value }}'
{%- endmacro %}

{#- A list policy parameter whose items are restricted to `allowed`, as a SQL varchar[]. -#}
{% macro policy_list(name, allowed) -%}
    {%- set value = var(name) -%}
    {%- if value is string or value is not iterable or value is mapping -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a list, got " ~ value) }}
    {%- endif -%}
    {%- for item in value -%}
        {%- if item not in allowed -%}
            {{ exceptions.raise_compiler_error("var '" ~ name ~ "': unknown item " ~ item ~ "; allowed: " ~ allowed) }}
        {%- endif -%}
    {%- endfor -%}
    cast([{% for item in value %}'{{ item }}'{% if not loop.last %}, {% endif %}{% endfor %}] as varchar[])
{%- endmacro %}

{#- The insurance types of inputs.md (ingestion/schemas.py INSURANCE_TYPES). -#}
{% macro insurance_types() -%}
    {{- return(['pension', 'medical', 'unemployment', 'work_injury', 'maternity', 'housing_fund']) -}}
{%- endmacro %}

{#- policy.required_insurance as a SQL varchar[]. -#}
{% macro required_insurance() -%}
    {{ policy_list('required_insurance', insurance_types()) }}
{%- endmacro %}

{#- policy.complaint_days_basis as plain text, for Jinja branching. -#}
{% macro complaint_days_basis() -%}
    {%- set value = var('complaint_days_basis') -%}
    {%- if value not in ['calendar', 'workdays'] -%}
        {{ exceptions.raise_compiler_error("var 'complaint_days_basis' must be 'calendar' or 'workdays', got " ~ value) }}
    {%- endif -%}
    {{- value -}}
{%- endmacro %}
