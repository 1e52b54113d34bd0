-- Alerts: a buyer's saved searches (rules), what happens to listings (events), and what each
-- rule was told (notifications, at most one per rule, listing and trigger).

-- A rule's criteria are the search page's own query string (`SearchQuery::to_query_string`),
-- so the rule and the search it was saved from mean the same thing; keywords and excluded
-- words are what search cannot express.
create table alert_rule (
    rule_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    name text not null,
    search text not null default '',
    -- must-have words: `diesel (navi OR navigation) -accident "one owner"`
    keywords text not null default '',
    -- comma-separated words or phrases; any of them rules a listing out
    excluded text not null default '',
    -- 0-100; effective once deal scores exist
    min_deal_score smallint,
    channels text[] not null default '{inbox}',
    rhythm text not null default 'instant',
    paused boolean not null default false,
    -- bumped on every change, so a matcher can tell which rules it already has as they are
    version bigint not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint alert_rule_name_length check (char_length(name) between 1 and 80),
    constraint alert_rule_search_length check (char_length(search) <= 8000),
    constraint alert_rule_keywords_length check (char_length(keywords) <= 500),
    constraint alert_rule_excluded_length check (char_length(excluded) <= 500),
    constraint alert_rule_deal_score_range check (min_deal_score between 0 and 100),
    constraint alert_rule_channels_known check (channels <@ array['inbox', 'email', 'push', 'webhook']),
    constraint alert_rule_rhythm_known check (rhythm in ('instant', 'daily', 'weekly'))
);

create sequence alert_rule_version;
alter table alert_rule alter column version set default nextval('alert_rule_version');
create index alert_rule_account_idx on alert_rule (account_id, created_at);
create index alert_rule_updated_idx on alert_rule (updated_at);

create or replace function alert_rule_touch() returns trigger
language plpgsql as $$
begin
    new.version := nextval('alert_rule_version');
    new.updated_at := now();
    return new;
end;
$$;

create trigger alert_rule_touch before update on alert_rule
    for each row execute function alert_rule_touch();

-- What happened to a listing that buyers may want to hear about, written by the database in
-- the same transaction as the change, so none is lost while no server runs. Alert workers
-- take events in order with `for update skip locked` and delete them once matched.
create table listing_event (
    event_id bigint generated always as identity primary key,
    listing_id bigint not null references listing (listing_id) on delete cascade,
    -- published: first time on the market; back: on the market again; price_drop; sold
    kind text not null,
    old_price_minor bigint,
    new_price_minor bigint,
    currency text,
    created_at timestamptz not null default now(),
    constraint listing_event_kind_known check (kind in ('published', 'back', 'price_drop', 'sold'))
);

create or replace function listing_record_event() returns trigger
language plpgsql as $$
begin
    if new.status = 'published' and (tg_op = 'INSERT' or old.status <> 'published') then
        insert into listing_event (listing_id, kind, new_price_minor, currency)
        values (new.listing_id,
                case when tg_op = 'UPDATE' and old.published_at is not null then 'back' else 'published' end,
                new.price_minor, new.currency);
    elsif tg_op = 'UPDATE' and new.status = 'published' and old.status = 'published'
          and new.currency = old.currency and new.price_minor < old.price_minor then
        insert into listing_event (listing_id, kind, old_price_minor, new_price_minor, currency)
        values (new.listing_id, 'price_drop', old.price_minor, new.price_minor, new.currency);
    elsif tg_op = 'UPDATE' and new.status = 'sold' and old.status = 'published' then
        insert into listing_event (listing_id, kind, new_price_minor, currency)
        values (new.listing_id, 'sold', new.price_minor, new.currency);
    end if;
    return null;
end;
$$;

create trigger listing_record_event after insert or update of status, price_minor on listing
    for each row execute function listing_record_event();

-- One per (source, listing, trigger): the unique key is what makes "told once" hold however
-- often a listing is matched. `source` is `rule:<id>` or `favorite` (favorites are implicit
-- rules); it outlives the rule, whose id is set null when the rule is deleted. `trigger_key`
-- tells repeated triggers apart (a price drop's new price, a return's event), so a second,
-- deeper drop is news but the same drop seen twice is not.
create table notification (
    notification_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    rule_id bigint references alert_rule (rule_id) on delete set null,
    source text not null,
    listing_id bigint not null references listing (listing_id) on delete cascade,
    kind text not null,
    trigger_key text not null default '',
    -- "BMW X5, diesel, under 25,000 BGN; price dropped 1,500 BGN"
    title text not null,
    reason text not null,
    created_at timestamptz not null default now(),
    read_at timestamptz,
    constraint notification_kind_known check (kind in ('published', 'back', 'price_drop', 'sold'))
);

create unique index notification_once_idx on notification
    (account_id, source, listing_id, kind, trigger_key);
create index notification_inbox_idx on notification (account_id, created_at desc);
create index notification_unread_idx on notification (account_id) where read_at is null;
create index notification_rule_idx on notification (rule_id, created_at desc);

-- Favorites count as implicit rules unless switched off.
alter table account add column alert_on_favorites boolean not null default true;
