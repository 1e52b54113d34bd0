-- Listings: reference data (currencies, cities, the vehicle taxonomy with aliases, equipment),
-- the listing itself, its price history, favorites, and the word list behind typo tolerance.
-- Never edit a migration that has been applied anywhere: add a new one (see migrations/README.md).

create extension if not exists pg_trgm;
create extension if not exists unaccent;
create extension if not exists cube;
create extension if not exists earthdistance;

-- unaccent() is only STABLE (it reads a dictionary), so it can't sit in an index expression;
-- this wrapper names the dictionary explicitly, which makes it safe to declare IMMUTABLE.
create or replace function scout_unaccent(text) returns text
language sql immutable parallel safe strict
as $$ select public.unaccent('public.unaccent'::regdictionary, $1) $$;

-- How search text is normalised, in the database and (the same rules) in src/listings/text.rs:
-- lower case, accents dropped. Cyrillic stays Cyrillic; aliases bridge the scripts.
create or replace function scout_normalise(text) returns text
language sql immutable parallel safe strict
as $$ select lower(scout_unaccent($1)) $$;

create table currency (
    -- ISO 4217 code
    code text primary key,
    name text not null,
    -- how many of the main unit one euro buys; BGN is pegged at exactly 1.95583
    per_eur numeric(14, 6) not null,
    updated_at timestamptz not null default now(),
    constraint currency_code_format check (code ~ '^[A-Z]{3}$'),
    constraint currency_per_eur_positive check (per_eur > 0)
);

create trigger currency_set_updated_at before update on currency
    for each row execute function set_updated_at();

insert into currency (code, name, per_eur) values
    ('EUR', 'Euro', 1),
    ('BGN', 'Bulgarian lev', 1.95583),
    -- a reference rate; the operator updates it (it only affects cross-currency filters and the
    -- price shown in the buyer's currency, never what a seller asks)
    ('USD', 'US dollar', 1.08);

create table city (
    city_id integer generated always as identity primary key,
    slug text not null,
    name_en text not null,
    name_bg text not null,
    -- ISO 3166-1 alpha-2
    country text not null,
    latitude double precision not null,
    longitude double precision not null,
    population integer not null,
    constraint city_slug_key unique (slug)
);

insert into city (slug, name_en, name_bg, country, latitude, longitude, population) values
    ('sofia', 'Sofia', 'София', 'BG', 42.6977, 23.3219, 1248452),
    ('plovdiv', 'Plovdiv', 'Пловдив', 'BG', 42.1354, 24.7453, 346893),
    ('varna', 'Varna', 'Варна', 'BG', 43.2141, 27.9147, 336505),
    ('burgas', 'Burgas', 'Бургас', 'BG', 42.5048, 27.4626, 202766),
    ('ruse', 'Ruse', 'Русе', 'BG', 43.8356, 25.9657, 142902),
    ('stara-zagora', 'Stara Zagora', 'Стара Загора', 'BG', 42.4258, 25.6345, 136781),
    ('pleven', 'Pleven', 'Плевен', 'BG', 43.4170, 24.6067, 98467),
    ('sliven', 'Sliven', 'Сливен', 'BG', 42.6817, 26.3229, 87322),
    ('dobrich', 'Dobrich', 'Добрич', 'BG', 43.5726, 27.8273, 85102),
    ('shumen', 'Shumen', 'Шумен', 'BG', 43.2706, 26.9229, 76967),
    ('pernik', 'Pernik', 'Перник', 'BG', 42.6050, 23.0378, 70285),
    ('haskovo', 'Haskovo', 'Хасково', 'BG', 41.9344, 25.5554, 71406),
    ('yambol', 'Yambol', 'Ямбол', 'BG', 42.4842, 26.5035, 66394),
    ('pazardzhik', 'Pazardzhik', 'Пазарджик', 'BG', 42.1928, 24.3336, 67222),
    ('blagoevgrad', 'Blagoevgrad', 'Благоевград', 'BG', 42.0209, 23.0943, 66886),
    ('veliko-tarnovo', 'Veliko Tarnovo', 'Велико Търново', 'BG', 43.0757, 25.6172, 68783),
    ('vratsa', 'Vratsa', 'Враца', 'BG', 43.2102, 23.5529, 53422),
    ('gabrovo', 'Gabrovo', 'Габрово', 'BG', 42.8742, 25.3187, 51233),
    ('asenovgrad', 'Asenovgrad', 'Асеновград', 'BG', 42.0125, 24.8772, 47853),
    ('vidin', 'Vidin', 'Видин', 'BG', 43.9962, 22.8679, 42360),
    ('kazanlak', 'Kazanlak', 'Казанлък', 'BG', 42.6194, 25.3930, 44760),
    ('kyustendil', 'Kyustendil', 'Кюстендил', 'BG', 42.2839, 22.6911, 39890),
    ('kardzhali', 'Kardzhali', 'Кърджали', 'BG', 41.6338, 25.3777, 41087),
    ('montana', 'Montana', 'Монтана', 'BG', 43.4125, 23.2250, 39660),
    ('dimitrovgrad', 'Dimitrovgrad', 'Димитровград', 'BG', 42.0500, 25.6000, 35380),
    ('targovishte', 'Targovishte', 'Търговище', 'BG', 43.2512, 26.5722, 35470),
    ('lovech', 'Lovech', 'Ловеч', 'BG', 43.1370, 24.7142, 33740),
    ('silistra', 'Silistra', 'Силистра', 'BG', 44.1171, 27.2606, 31220),
    ('razgrad', 'Razgrad', 'Разград', 'BG', 43.5333, 26.5167, 30170),
    ('smolyan', 'Smolyan', 'Смолян', 'BG', 41.5774, 24.7011, 27100),
    ('sandanski', 'Sandanski', 'Сандански', 'BG', 41.5667, 23.2833, 24880),
    ('bansko', 'Bansko', 'Банско', 'BG', 41.8383, 23.4885, 7940);

create table vehicle_make (
    make_id integer generated always as identity primary key,
    slug text not null,
    name text not null,
    constraint vehicle_make_slug_key unique (slug)
);

create table vehicle_model (
    model_id integer generated always as identity primary key,
    make_id integer not null references vehicle_make (make_id),
    -- unique across makes ("bmw-x5"), so a model alone identifies its make in a URL
    slug text not null,
    name text not null,
    constraint vehicle_model_slug_key unique (slug)
);

create index vehicle_model_make_idx on vehicle_model (make_id);

-- Other spellings people type: abbreviations, Cyrillic, common misspellings. `alias` is
-- normalised (scout_normalise) and may be several words ("mercedes benz").
create table vehicle_alias (
    alias text primary key,
    make_id integer not null references vehicle_make (make_id),
    -- set when the alias names a model ("голф" = Golf), null for a make
    model_id integer references vehicle_model (model_id),
    constraint vehicle_alias_normalised check (alias = scout_normalise(alias))
);

insert into vehicle_make (slug, name) values
    ('volkswagen', 'Volkswagen'), ('bmw', 'BMW'), ('mercedes-benz', 'Mercedes-Benz'),
    ('audi', 'Audi'), ('opel', 'Opel'), ('ford', 'Ford'), ('toyota', 'Toyota'),
    ('renault', 'Renault'), ('peugeot', 'Peugeot'), ('skoda', 'Škoda'), ('citroen', 'Citroën'),
    ('honda', 'Honda'), ('mazda', 'Mazda'), ('nissan', 'Nissan'), ('hyundai', 'Hyundai'),
    ('kia', 'Kia'), ('fiat', 'Fiat'), ('volvo', 'Volvo'), ('dacia', 'Dacia'), ('seat', 'SEAT'),
    ('mitsubishi', 'Mitsubishi'), ('subaru', 'Subaru'), ('suzuki', 'Suzuki'), ('porsche', 'Porsche'),
    ('land-rover', 'Land Rover'), ('tesla', 'Tesla'), ('lexus', 'Lexus'), ('alfa-romeo', 'Alfa Romeo');

insert into vehicle_model (make_id, slug, name)
select m.make_id, m.slug || '-' || lower(replace(replace(x.name, ' ', '-'), '.', '')), x.name
from (values
    ('volkswagen', 'Golf'), ('volkswagen', 'Passat'), ('volkswagen', 'Polo'), ('volkswagen', 'Tiguan'),
    ('volkswagen', 'Touran'), ('volkswagen', 'Touareg'), ('volkswagen', 'Caddy'), ('volkswagen', 'Arteon'),
    ('bmw', '1 Series'), ('bmw', '3 Series'), ('bmw', '5 Series'), ('bmw', '7 Series'), ('bmw', 'X1'),
    ('bmw', 'X3'), ('bmw', 'X5'), ('bmw', 'X6'),
    ('mercedes-benz', 'A-Class'), ('mercedes-benz', 'C-Class'), ('mercedes-benz', 'E-Class'),
    ('mercedes-benz', 'S-Class'), ('mercedes-benz', 'GLC'), ('mercedes-benz', 'GLE'),
    ('mercedes-benz', 'ML'), ('mercedes-benz', 'Sprinter'), ('mercedes-benz', 'Vito'),
    ('audi', 'A3'), ('audi', 'A4'), ('audi', 'A6'), ('audi', 'A8'), ('audi', 'Q3'), ('audi', 'Q5'),
    ('audi', 'Q7'), ('audi', 'TT'),
    ('opel', 'Astra'), ('opel', 'Corsa'), ('opel', 'Insignia'), ('opel', 'Zafira'), ('opel', 'Mokka'),
    ('opel', 'Vectra'),
    ('ford', 'Focus'), ('ford', 'Fiesta'), ('ford', 'Mondeo'), ('ford', 'Kuga'), ('ford', 'Transit'),
    ('ford', 'S-Max'),
    ('toyota', 'Corolla'), ('toyota', 'Yaris'), ('toyota', 'RAV4'), ('toyota', 'Auris'),
    ('toyota', 'Avensis'), ('toyota', 'Land Cruiser'), ('toyota', 'C-HR'),
    ('renault', 'Clio'), ('renault', 'Megane'), ('renault', 'Laguna'), ('renault', 'Scenic'),
    ('renault', 'Kangoo'), ('renault', 'Captur'),
    ('peugeot', '206'), ('peugeot', '207'), ('peugeot', '208'), ('peugeot', '308'), ('peugeot', '3008'),
    ('peugeot', '508'), ('peugeot', 'Partner'),
    ('skoda', 'Octavia'), ('skoda', 'Fabia'), ('skoda', 'Superb'), ('skoda', 'Kodiaq'), ('skoda', 'Karoq'),
    ('citroen', 'C3'), ('citroen', 'C4'), ('citroen', 'C5'), ('citroen', 'Berlingo'), ('citroen', 'Xsara Picasso'),
    ('honda', 'Civic'), ('honda', 'Accord'), ('honda', 'CR-V'), ('honda', 'Jazz'),
    ('mazda', '3'), ('mazda', '6'), ('mazda', 'CX-5'), ('mazda', 'MX-5'),
    ('nissan', 'Qashqai'), ('nissan', 'X-Trail'), ('nissan', 'Micra'), ('nissan', 'Juke'), ('nissan', 'Navara'),
    ('hyundai', 'i30'), ('hyundai', 'i20'), ('hyundai', 'Tucson'), ('hyundai', 'Santa Fe'), ('hyundai', 'ix35'),
    ('kia', 'Ceed'), ('kia', 'Sportage'), ('kia', 'Rio'), ('kia', 'Sorento'), ('kia', 'Picanto'),
    ('fiat', 'Punto'), ('fiat', 'Panda'), ('fiat', '500'), ('fiat', 'Doblo'), ('fiat', 'Tipo'),
    ('volvo', 'XC60'), ('volvo', 'XC90'), ('volvo', 'V40'), ('volvo', 'V60'), ('volvo', 'S60'),
    ('dacia', 'Duster'), ('dacia', 'Sandero'), ('dacia', 'Logan'), ('dacia', 'Dokker'),
    ('seat', 'Leon'), ('seat', 'Ibiza'), ('seat', 'Ateca'), ('seat', 'Alhambra'),
    ('mitsubishi', 'Outlander'), ('mitsubishi', 'Lancer'), ('mitsubishi', 'Pajero'), ('mitsubishi', 'ASX'),
    ('subaru', 'Forester'), ('subaru', 'Outback'), ('subaru', 'Impreza'),
    ('suzuki', 'Vitara'), ('suzuki', 'Swift'), ('suzuki', 'Jimny'), ('suzuki', 'SX4'),
    ('porsche', 'Cayenne'), ('porsche', 'Macan'), ('porsche', '911'), ('porsche', 'Panamera'),
    ('land-rover', 'Range Rover'), ('land-rover', 'Range Rover Sport'), ('land-rover', 'Discovery'),
    ('land-rover', 'Freelander'), ('land-rover', 'Evoque'),
    ('tesla', 'Model 3'), ('tesla', 'Model Y'), ('tesla', 'Model S'),
    ('lexus', 'RX'), ('lexus', 'NX'), ('lexus', 'IS'),
    ('alfa-romeo', 'Giulia'), ('alfa-romeo', '159'), ('alfa-romeo', 'Stelvio'), ('alfa-romeo', 'Giulietta')
) as x (make, name)
join vehicle_make m on m.slug = x.make;

-- Every make's own name and slug are aliases of it, then the other spellings.
insert into vehicle_alias (alias, make_id)
select distinct on (a) a, make_id
from (
    select scout_normalise(name) as a, make_id from vehicle_make
    union all
    select scout_normalise(replace(slug, '-', ' ')), make_id from vehicle_make
) names
on conflict do nothing;

insert into vehicle_alias (alias, make_id)
select scout_normalise(x.alias), m.make_id
from (values
    ('vw', 'volkswagen'), ('volks', 'volkswagen'), ('фолксваген', 'volkswagen'), ('фолцваген', 'volkswagen'),
    ('бмв', 'bmw'), ('беемве', 'bmw'),
    ('merc', 'mercedes-benz'), ('mercedes', 'mercedes-benz'), ('benz', 'mercedes-benz'),
    ('мерцедес', 'mercedes-benz'), ('мерцедес бенц', 'mercedes-benz'), ('мерц', 'mercedes-benz'),
    ('ауди', 'audi'), ('опел', 'opel'), ('форд', 'ford'), ('тойота', 'toyota'), ('рено', 'renault'),
    ('пежо', 'peugeot'), ('шкода', 'skoda'), ('ситроен', 'citroen'), ('хонда', 'honda'),
    ('мазда', 'mazda'), ('нисан', 'nissan'), ('хюндай', 'hyundai'), ('хюндаи', 'hyundai'),
    ('киа', 'kia'), ('фиат', 'fiat'), ('волво', 'volvo'), ('дачия', 'dacia'), ('сеат', 'seat'),
    ('мицубиши', 'mitsubishi'), ('субару', 'subaru'), ('сузуки', 'suzuki'), ('порше', 'porsche'),
    ('ланд ровър', 'land-rover'), ('landrover', 'land-rover'), ('тесла', 'tesla'), ('лексус', 'lexus'),
    ('алфа ромео', 'alfa-romeo'), ('alfa', 'alfa-romeo')
) as x (alias, make)
join vehicle_make m on m.slug = x.make
on conflict do nothing;

-- Model names as typed ("x5", "golf", "3 series"), plus a few Cyrillic ones.
insert into vehicle_alias (alias, make_id, model_id)
select distinct on (a) a, make_id, model_id
from (
    select scout_normalise(name) as a, make_id, model_id from vehicle_model
) names
where not exists (select 1 from vehicle_alias va where va.alias = names.a)
  -- a bare number ("3", "6", "500") is a price or a year far more often than a model
  and a !~ '^[0-9]+$'
on conflict do nothing;

insert into vehicle_alias (alias, make_id, model_id)
select scout_normalise(x.alias), md.make_id, md.model_id
from (values
    ('голф', 'volkswagen-golf'), ('пасат', 'volkswagen-passat'), ('поло', 'volkswagen-polo'),
    ('октавия', 'skoda-octavia'), ('астра', 'opel-astra'), ('фокус', 'ford-focus'),
    ('корола', 'toyota-corolla'), ('клио', 'renault-clio'), ('меган', 'renault-megane'),
    ('дъстер', 'dacia-duster'), ('кашкай', 'nissan-qashqai')
) as x (alias, model)
join vehicle_model md on md.slug = x.model
on conflict do nothing;

create table equipment (
    slug text primary key,
    name_en text not null,
    name_bg text not null
);

insert into equipment (slug, name_en, name_bg) values
    ('air-conditioning', 'Air conditioning', 'Климатик'),
    ('climate-control', 'Climate control', 'Климатроник'),
    ('navigation', 'Navigation', 'Навигация'),
    ('leather-seats', 'Leather seats', 'Кожен салон'),
    ('heated-seats', 'Heated seats', 'Подгрев на седалките'),
    ('parking-sensors', 'Parking sensors', 'Парктроник'),
    ('rear-camera', 'Rear camera', 'Камера за задно виждане'),
    ('cruise-control', 'Cruise control', 'Темпомат'),
    ('adaptive-cruise', 'Adaptive cruise control', 'Адаптивен темпомат'),
    ('sunroof', 'Sunroof', 'Шибидах'),
    ('panoramic-roof', 'Panoramic roof', 'Панорамен покрив'),
    ('xenon', 'Xenon or LED headlights', 'Ксенонови или LED фарове'),
    ('alloy-wheels', 'Alloy wheels', 'Алуминиеви джанти'),
    ('tow-bar', 'Tow bar', 'Теглич'),
    ('four-wheel-drive', 'Four-wheel drive', '4x4'),
    ('bluetooth', 'Bluetooth', 'Bluetooth'),
    ('apple-carplay', 'Apple CarPlay / Android Auto', 'Apple CarPlay / Android Auto'),
    ('keyless', 'Keyless entry', 'Безключов достъп'),
    ('isofix', 'Isofix', 'Isofix'),
    ('service-book', 'Full service history', 'Сервизна книжка');

create table listing (
    -- a number, not a uuid: listing URLs are public and short (/listings/123456)
    listing_id bigint generated always as identity primary key,
    seller_id uuid not null references account (account_id) on delete cascade,
    -- 'vehicle' first; other used goods share the table without the vehicle columns
    category text not null default 'vehicle',
    status text not null default 'draft',
    title text not null,
    description text not null default '',
    -- what the seller asks, in minor units (stotinki, cents) of `currency`
    price_minor bigint not null,
    currency text not null references currency (code),
    -- the same price in euro cents at the current rate: lets one index filter and sort
    -- listings priced in different currencies (set by listing_before_write)
    price_eur_minor bigint not null default 0,
    -- the price before the latest drop, while the latest change was a drop (badge on cards)
    previous_price_minor bigint,
    negotiable boolean not null default false,
    vat text not null default 'not_applicable',
    condition text not null default 'used',
    seller_type text not null default 'private',
    city_id integer not null references city (city_id),
    -- copied from the city (or finer, later) so the distance index lives on the listing
    latitude double precision not null,
    longitude double precision not null,
    make_id integer references vehicle_make (make_id),
    model_id integer references vehicle_model (model_id),
    -- first registration year
    year smallint,
    mileage_km integer,
    fuel text,
    transmission text,
    body text,
    power_hp smallint,
    engine_cc integer,
    colour text,
    doors smallint,
    seats smallint,
    vin text,
    equipment text[] not null default '{}',
    photo_count integer not null default 0,
    -- weighted: title + make + model (A), equipment and specs (B), description (C);
    -- set by listing_before_write
    search_text tsvector not null default ''::tsvector,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    published_at timestamptz,
    constraint listing_category_known check (category in ('vehicle', 'other')),
    constraint listing_status_known check (status in ('draft', 'published', 'sold', 'archived')),
    constraint listing_title_length check (char_length(title) between 1 and 120),
    constraint listing_description_length check (char_length(description) <= 10000),
    constraint listing_price_range check (price_minor between 0 and 100000000000),
    constraint listing_vat_known check (vat in ('included', 'excluded', 'not_applicable')),
    constraint listing_condition_known check (condition in ('new', 'used', 'damaged')),
    constraint listing_seller_type_known check (seller_type in ('private', 'dealer')),
    constraint listing_fuel_known check (fuel in ('petrol', 'diesel', 'hybrid', 'plug_in_hybrid', 'electric', 'lpg', 'cng')),
    constraint listing_transmission_known check (transmission in ('manual', 'automatic')),
    constraint listing_body_known check (body in ('sedan', 'hatchback', 'estate', 'suv', 'coupe', 'convertible', 'van', 'pickup', 'minivan')),
    constraint listing_year_range check (year between 1900 and 2100),
    constraint listing_mileage_range check (mileage_km between 0 and 5000000),
    constraint listing_power_range check (power_hp between 1 and 3000),
    constraint listing_vin_format check (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
    -- a published vehicle has what buyers filter on; drafts may be incomplete
    constraint listing_published_vehicle_complete check (
        status = 'draft' or category <> 'vehicle' or (
            make_id is not null and model_id is not null and year is not null
            and mileage_km is not null and fuel is not null and transmission is not null
        )
    ),
    constraint listing_published_at_set check (status = 'draft' or published_at is not null)
);

create or replace function listing_before_write() returns trigger
language plpgsql as $$
declare
    make_name text;
    model_name text;
    equipment_names text;
begin
    select name into make_name from vehicle_make where make_id = new.make_id;
    select name into model_name from vehicle_model where model_id = new.model_id;
    select string_agg(e.name_en || ' ' || e.name_bg, ' ') into equipment_names
    from equipment e where e.slug = any (new.equipment);
    new.search_text :=
        setweight(to_tsvector('simple', scout_normalise(concat_ws(' ', new.title, make_name, model_name))), 'A')
        || setweight(to_tsvector('simple', scout_normalise(concat_ws(' ', equipment_names, new.colour,
            replace(new.body, '_', ' '), replace(new.fuel, '_', ' '), new.transmission))), 'B')
        || setweight(to_tsvector('simple', scout_normalise(new.description)), 'C');
    new.price_eur_minor := round(new.price_minor / (select per_eur from currency where code = new.currency));
    if tg_op = 'UPDATE' and new.price_minor <> old.price_minor then
        new.previous_price_minor := case when new.price_minor < old.price_minor then old.price_minor end;
    end if;
    return new;
end;
$$;

create trigger listing_before_write before insert or update on listing
    for each row execute function listing_before_write();

create trigger listing_set_updated_at before update on listing
    for each row execute function set_updated_at();

-- What buyers query: published listings only, so the indexes stay small.
create index listing_newest_idx on listing (published_at desc, listing_id desc) where status = 'published';
create index listing_price_idx on listing (price_eur_minor, listing_id) where status = 'published';
create index listing_make_model_idx on listing (make_id, model_id, published_at desc) where status = 'published';
create index listing_search_text_idx on listing using gin (search_text) where status = 'published';
create index listing_location_idx on listing using gist (ll_to_earth(latitude, longitude)) where status = 'published';
create index listing_seller_idx on listing (seller_id, status, updated_at desc);

-- Every price a listing has had, oldest first; the first row is the price it was created with.
create table listing_price (
    listing_price_id bigint generated always as identity primary key,
    listing_id bigint not null references listing (listing_id) on delete cascade,
    price_minor bigint not null,
    currency text not null references currency (code),
    changed_at timestamptz not null default now()
);

create index listing_price_listing_idx on listing_price (listing_id, changed_at);

create or replace function listing_record_price() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.price_minor <> old.price_minor or new.currency <> old.currency then
        insert into listing_price (listing_id, price_minor, currency) values (new.listing_id, new.price_minor, new.currency);
    end if;
    return null;
end;
$$;

create trigger listing_record_price after insert or update of price_minor, currency on listing
    for each row execute function listing_record_price();

create table favorite (
    account_id uuid not null references account (account_id) on delete cascade,
    listing_id bigint not null references listing (listing_id) on delete cascade,
    created_at timestamptz not null default now(),
    constraint favorite_pkey primary key (account_id, listing_id)
);

-- The words search knows (from titles, makes, models, equipment): a misspelt query word is
-- replaced by its nearest neighbour here (trigram similarity), so "volkswagn" finds Volkswagen.
create table search_word (
    word text primary key
);

create index search_word_trgm_idx on search_word using gin (word gin_trgm_ops);

insert into search_word (word)
select distinct w from (
    select unnest(tsvector_to_array(to_tsvector('simple', scout_normalise(name)))) as w from vehicle_make
    union all select unnest(tsvector_to_array(to_tsvector('simple', scout_normalise(name)))) from vehicle_model
    union all select unnest(tsvector_to_array(to_tsvector('simple', scout_normalise(name_en || ' ' || name_bg)))) from equipment
    union all select alias from vehicle_alias where alias !~ ' '
) words
where char_length(w) >= 3
on conflict do nothing;
