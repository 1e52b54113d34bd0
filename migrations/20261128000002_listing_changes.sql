-- The search index (src/listings/engine.rs) lives in each server's memory; every change to a
-- listing is announced so every process can apply it. The payload is the listing id.
create or replace function listing_notify_change() returns trigger
language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        perform pg_notify('listing_changed', old.listing_id::text);
    else
        perform pg_notify('listing_changed', new.listing_id::text);
    end if;
    return null;
end;
$$;

create trigger listing_notify_change after insert or update or delete on listing
    for each row execute function listing_notify_change();
