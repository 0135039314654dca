-- The build the published tables come from: its evaluation date and when it ran.
with final as (
    select
        {{ as_of() }} as as_of,
        cast(current_timestamp as timestamptz) as built_at
)

select * from final
