{#- Each listed column holds only its accepted values, as dbt's `accepted_values` per column
    (values compared as text, nulls accepted: `not_null_columns` covers them), in one query:
    one failing row per (column, value) outside the list, with how many rows hold it. -#}
{% test accepted_column_values(model, accepted) %}

with outside as (

    {%- for column, values in accepted.items() %}
    select
        '{{ column }}' as column_name,
        cast({{ adapter.quote(column) }} as varchar) as value_found
    from {{ model }}
    where cast({{ adapter.quote(column) }} as varchar) not in (
        {%- for value in values -%}
        '{{ value | string | replace("'", "''") }}'{{ ", " if not loop.last }}
        {%- endfor -%}
    )
    {%- if not loop.last %}

    union all
    {% endif -%}
    {%- endfor %}

),

final as (

    select column_name, value_found, count(*) as n_rows
    from outside
    group by column_name, value_found

)

select * from final

{% endtest %}
