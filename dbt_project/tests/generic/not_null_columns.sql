{#- Several columns are never null, checked in one query: one failing row per column that
    holds nulls, with how many. One test in place of one `not_null` per column keeps the
    build's test count down: each test node costs dbt ~45 ms however small its table. -#}
{% test not_null_columns(model, column_names) %}

with counted as (

    select
        {%- for column in column_names %}
        count(*) filter (where {{ column }} is null) as {{ adapter.quote(column) }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

per_column as (

    unpivot counted
    on columns(*)
    into name column_name value null_rows

),

final as (

    select column_name, null_rows
    from per_column
    where null_rows > 0

)

select * from final

{% endtest %}
