-- The currency a person reads prices in, chosen in Settings: search results, price filters and
-- a listing's converted prices are in it unless the address names another (`cur=`). The euro
-- until they choose; a currency Scout stops offering can't be dropped while someone reads in it.
alter table account
    add column display_currency text not null default 'EUR' references currency (code);
