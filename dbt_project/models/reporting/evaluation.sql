-- The evaluation date the published tables were computed at. When they were published is
-- the published file's own time: a value of the clock here would make two builds of the
-- same inputs differ.
with final as (
    select
        {{ as_of() }} as as_of
)

select * from final
