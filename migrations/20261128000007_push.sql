-- Browsers and phones with push notifications on: the push service's endpoint and the keys
-- the browser gave (RFC 8291); `auth` is sealed like other secrets. A subscription the push
-- service reports gone (404/410) is deleted. An endpoint belongs to the account that enabled
-- it last.
create table push_subscription (
    subscription_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    endpoint text not null,
    p256dh text not null,
    auth_sealed bytea not null,
    name text not null,
    created_at timestamptz not null default now(),
    constraint push_subscription_endpoint_unique unique (endpoint),
    constraint push_subscription_endpoint_length check (char_length(endpoint) <= 2000),
    constraint push_subscription_key_length check (char_length(p256dh) <= 200),
    constraint push_subscription_name_length check (char_length(name) between 1 and 60)
);

create index push_subscription_account_idx on push_subscription (account_id, created_at);
