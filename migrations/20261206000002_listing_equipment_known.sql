-- A listing's equipment is a list of catalogue slugs and nothing else: every distinct value
-- becomes an entry with its own bitmap in each server's in-memory search index, so free
-- text here would let one seller grow every server's memory. The form refuses unknown
-- values with a field error; this is the database's own guarantee.
update listing
set equipment = array(
    select distinct e from unnest(equipment) e where e in (select slug from equipment) order by e)
where not equipment <@ array(select slug from equipment);

create function listing_equipment_known() returns trigger language plpgsql as $$
begin
    if not new.equipment <@ array(select slug from equipment) then
        raise exception 'listing equipment must be catalogue slugs'
            using errcode = 'check_violation', constraint = 'listing_equipment_known';
    end if;
    return new;
end $$;

create trigger listing_equipment_known
    before insert or update of equipment on listing
    for each row execute function listing_equipment_known();
