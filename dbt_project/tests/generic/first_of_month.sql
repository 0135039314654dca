{#- Months and periods are stored as the first day of the month (inputs.md, outputs.md). -#}
{% test first_of_month(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} <> date_trunc('month', {{ column_name }})

{% endtest %}
