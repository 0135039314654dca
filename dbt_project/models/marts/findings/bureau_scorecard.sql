-- Findings per bureau and month, by severity and by domain, for the bureau itself and
-- rolled up over its whole subtree (the bureau and every bureau under it). Yearly
-- findings carry period January 1 and so count in January.
{%- set severities = ['high', 'medium', 'low'] %}
{%- set domains = rule_domains() %}
with findings as (

    select * from {{ ref('compliance_findings') }}

),

usage as (

    select * from {{ ref('int_bureaus__month_end_usage') }}

),

tree as (

    select * from {{ ref('int_bureaus__tree') }}

),

finding_counts as (

    select
        bureau_code,
        period as month,
        count(*) as findings_total
        {%- for severity in severities %},
        count(*) filter (where severity = '{{ severity }}') as findings_{{ severity }}
        {%- endfor %}
        {%- for letter, domain in domains %},
        count(*) filter (where left(rule_id, 1) = '{{ letter }}') as findings_{{ domain }}
        {%- endfor %}
    from findings
    group by bureau_code, period

),

own as (

    -- months with a roster or a finding
    select
        coalesce(usage.bureau_code, finding_counts.bureau_code) as bureau_code,
        coalesce(usage.month, finding_counts.month) as month,
        usage.headcount_total,
        coalesce(finding_counts.findings_total, 0) as findings_total
        {%- for severity in severities %},
        coalesce(finding_counts.findings_{{ severity }}, 0) as findings_{{ severity }}
        {%- endfor %}
        {%- for letter, domain in domains %},
        coalesce(finding_counts.findings_{{ domain }}, 0) as findings_{{ domain }}
        {%- endfor %}
    from usage
    full outer join finding_counts
        on usage.bureau_code = finding_counts.bureau_code
        and usage.month = finding_counts.month

),

closure as (

    -- a finding's bureau missing from the bureaus table still rolls up into itself
    select ancestor_code, descendant_code from tree
    union
    select bureau_code as ancestor_code, bureau_code as descendant_code from own

),

subtree as (

    select
        closure.ancestor_code as bureau_code,
        own.month,
        sum(own.headcount_total) as subtree_headcount_total,
        sum(own.findings_total) as subtree_findings_total
        {%- for severity in severities %},
        sum(own.findings_{{ severity }}) as subtree_findings_{{ severity }}
        {%- endfor %}
        {%- for letter, domain in domains %},
        sum(own.findings_{{ domain }}) as subtree_findings_{{ domain }}
        {%- endfor %}
    from own
    inner join closure
        on own.bureau_code = closure.descendant_code
    group by closure.ancestor_code, own.month

),

final as (

    -- every bureau-month whose subtree has a roster or a finding; its own columns are 0
    -- (headcount null) where only bureaus under it have data that month
    select
        subtree.bureau_code,
        subtree.month,
        own.headcount_total,
        cast(coalesce(own.findings_total, 0) as bigint) as findings_total
        {%- for severity in severities %},
        cast(coalesce(own.findings_{{ severity }}, 0) as bigint) as findings_{{ severity }}
        {%- endfor %}
        {%- for letter, domain in domains %},
        cast(coalesce(own.findings_{{ domain }}, 0) as bigint) as findings_{{ domain }}
        {%- endfor %},
        cast(subtree.subtree_headcount_total as bigint) as subtree_headcount_total,
        cast(subtree.subtree_findings_total as bigint) as subtree_findings_total
        {%- for severity in severities %},
        cast(subtree.subtree_findings_{{ severity }} as bigint) as subtree_findings_{{ severity }}
        {%- endfor %}
        {%- for letter, domain in domains %},
        cast(subtree.subtree_findings_{{ domain }} as bigint) as subtree_findings_{{ domain }}
        {%- endfor %}
    from subtree
    left join own
        on subtree.bureau_code = own.bureau_code
        and subtree.month = own.month

)

select * from final
