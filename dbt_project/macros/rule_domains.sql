{#- Rule domains of docs/dbt_conventions.md, keyed by the letter that starts a rule_id
    (Q01 quota, W01 posts, ...). Scorecards and dashboards group findings by them. -#}
{% macro rule_domains() -%}
    {{ return([
        ('Q', 'quota'),
        ('W', 'posts'),
        ('R', 'recruitment'),
        ('T', 'training'),
        ('P', 'pay'),
        ('I', 'insurance'),
        ('E', 'departure'),
        ('C', 'complaints'),
        ('D', 'identity'),
        ('S', 'submissions'),
    ]) }}
{%- endmacro %}

{#- SQL case expression: the domain of a rule_id column. -#}
{% macro rule_domain(rule_id_column) -%}
    case left({{ rule_id_column }}, 1)
        {%- for letter, domain in rule_domains() %}
        when '{{ letter }}' then '{{ domain }}'
        {%- endfor %}
    end
{%- endmacro %}
