-- Market rates move: the European Central Bank's daily reference rates, fetched by a job from
-- `SCOUT_RATES_URL`, or a rate an operator types in. A new rate reprices the listings priced in
-- that currency (their euro amount, which search filters and sorts by); the search index hears
-- of each through `listing_changed`. The price a seller asked is untouched: no price drop, no
-- price history, nothing sent again to marketplaces.
create or replace function currency_reprice_listings() returns trigger
language plpgsql as $$
begin
    -- listing_before_write sets price_eur_minor from the new rate
    update listing set price_eur_minor = round(price_minor / new.per_eur)
    where currency = new.code and price_eur_minor <> round(price_minor / new.per_eur);
    return null;
end;
$$;

create trigger currency_reprice_listings after update of per_eur on currency
    for each row when (old.per_eur <> new.per_eur) execute function currency_reprice_listings();
