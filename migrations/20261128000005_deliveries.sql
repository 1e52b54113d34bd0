-- Delivering alerts beyond the inbox: each person's notification settings, and a durable
-- queue of deliveries (one per notification, channel and target) that workers take with
-- `for update skip locked`.

-- The defaults new rules start from and where and when alerts go. No row: the defaults.
create table alert_settings (
    account_id uuid primary key references account (account_id) on delete cascade,
    channels text[] not null default '{inbox,email}',
    rhythm text not null default 'instant',
    -- the local hour digests go out at, and the weekday of the weekly one (1 = Monday)
    digest_hour smallint not null default 8,
    digest_weekday smallint not null default 1,
    -- quiet hours as minutes after local midnight; the window may cross midnight (22:00-07:00)
    quiet_start smallint,
    quiet_end smallint,
    -- an IANA zone, e.g. Europe/Sofia
    time_zone text not null default 'UTC',
    -- null: the address the person signs in with
    alert_email text,
    updated_at timestamptz not null default now(),
    constraint alert_settings_channels_known check (channels <@ array['inbox', 'email', 'push', 'webhook']),
    constraint alert_settings_rhythm_known check (rhythm in ('instant', 'daily', 'weekly')),
    constraint alert_settings_digest_hour check (digest_hour between 0 and 23),
    constraint alert_settings_digest_weekday check (digest_weekday between 1 and 7),
    constraint alert_settings_quiet check (
        (quiet_start is null) = (quiet_end is null)
        and quiet_start between 0 and 1439 and quiet_end between 0 and 1439
        and quiet_start <> quiet_end),
    constraint alert_settings_email_length check (char_length(alert_email) <= 254),
    constraint alert_settings_zone_length check (char_length(time_zone) <= 64)
);

-- New rules start from the settings; existing ones keep what they had.
alter table alert_rule alter column channels set default '{inbox,email}';

-- The one-click unsubscribe links in emails (RFC 8058): a random token per rule (that rule's
-- email), one per account for its favorites' email, and one for all of its alert email (digests).
alter table alert_rule add column unsubscribe_token uuid not null default gen_random_uuid();
create unique index alert_rule_unsubscribe_idx on alert_rule (unsubscribe_token);
alter table account add column favorites_unsubscribe_token uuid not null default gen_random_uuid();
create unique index account_favorites_unsubscribe_idx on account (favorites_unsubscribe_token);
alter table account add column email_unsubscribe_token uuid not null default gen_random_uuid();
create unique index account_email_unsubscribe_idx on account (email_unsubscribe_token);
-- Which channels a favorite's news goes to besides the inbox.
alter table account add column favorite_email boolean not null default true;

-- How a channel of an account is doing: set when deliveries keep failing, cleared by the
-- next success. `target` is 'email' or a webhook endpoint / push device id.
create table channel_health (
    account_id uuid not null references account (account_id) on delete cascade,
    channel text not null,
    target text not null,
    failing_since timestamptz,
    last_error text,
    consecutive_failures int not null default 0,
    primary key (account_id, channel, target)
);

-- One notification to deliver on one channel to one target. `due_at` already accounts for
-- the plan's delay, quiet hours, digests and the daily cap; digests are sent as one message
-- per account, channel and target with every due row.
create table delivery (
    delivery_id bigint generated always as identity primary key,
    notification_id bigint not null references notification (notification_id) on delete cascade,
    account_id uuid not null references account (account_id) on delete cascade,
    channel text not null,
    target text not null,
    -- null: on its own as it happens; daily / weekly: in that digest
    digest text,
    -- held back for the digest because the account reached its daily cap
    capped boolean not null default false,
    due_at timestamptz not null,
    state text not null default 'pending',
    attempts int not null default 0,
    last_error text,
    created_at timestamptz not null default now(),
    sent_at timestamptz,
    constraint delivery_once unique (notification_id, channel, target),
    constraint delivery_channel_known check (channel in ('email', 'push', 'webhook')),
    constraint delivery_digest_known check (digest in ('daily', 'weekly')),
    constraint delivery_state_known check (state in ('pending', 'sent', 'failed', 'cancelled'))
);

create index delivery_due_idx on delivery (due_at) where state = 'pending';
create index delivery_account_day_idx on delivery (account_id, created_at);
