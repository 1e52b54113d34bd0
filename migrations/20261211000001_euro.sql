-- Euro first. Bulgaria has paid in euro since 1 January 2026: prices are stored and compared
-- in euro (a seller may still type leva; Scout converts them at the fixed rate), every
-- listing priced in leva is converted as the changeover converted prices. Rates now say where
-- they come from and which day they are for, so a converted price can show its rate's date.

alter table currency
    -- the day the rate is for (a fixed rate: the day it was fixed)
    add column rate_date date,
    -- 'fixed' (the euro itself, the lev's conversion rate), 'operator' (typed in by hand), or
    -- the source a job fetched it from ('ecb')
    add column source text not null default 'operator',
    add constraint currency_source_known check (source in ('fixed', 'operator', 'ecb'));

update currency set source = 'fixed', rate_date = date '2026-01-01' where code in ('EUR', 'BGN');
update currency set rate_date = updated_at::date where code = 'USD';

insert into currency (code, name, per_eur, rate_date) values
    ('RON', 'Romanian leu', 5.0900, date '2026-12-04'),
    ('GBP', 'Pound sterling', 0.8500, date '2026-12-04');

-- The lev's rate can't change: it is the conversion rate, not a market rate.
create or replace function currency_fixed_stays() returns trigger
language plpgsql as $$
begin
    if old.source = 'fixed' and (new.per_eur <> old.per_eur or new.source <> 'fixed') then
        raise exception 'the rate of % is fixed', old.code;
    end if;
    return new;
end;
$$;

create trigger currency_fixed_stays before update on currency
    for each row execute function currency_fixed_stays();

-- Listings in leva become euro: the price rounded to the cent as the changeover did (half
-- up), the price it dropped from likewise, and the history with them. Neither a price drop
-- nor a new price in the history: the price is the same, in another currency. The euro
-- amount the index compares by is what it was (it was this same conversion).
alter table listing disable trigger listing_before_write;
alter table listing disable trigger listing_record_price;
alter table listing disable trigger listing_record_event;
update listing set
    price_minor = round(price_minor / 1.95583),
    previous_price_minor = round(previous_price_minor / 1.95583),
    currency = 'EUR',
    price_eur_minor = round(price_minor / 1.95583)
where currency = 'BGN';
alter table listing enable trigger listing_before_write;
alter table listing enable trigger listing_record_price;
alter table listing enable trigger listing_record_event;

update listing_price set price_minor = round(price_minor / 1.95583), currency = 'EUR'
where currency = 'BGN';

-- Alerts saved while leva were the default wrote their prices without a currency: they keep
-- meaning leva (the matcher converts them through the euro).
update alert_rule
set search = case when search = '' then 'cur=BGN' else search || '&cur=BGN' end
where search !~ '(^|&)cur=';
