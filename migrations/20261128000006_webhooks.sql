-- Webhook endpoints alerts are posted to: plain JSON signed with HMAC-SHA256, Discord, or a
-- Telegram chat through a bot. Secrets (the signing secret, the bot token) are sealed with
-- AES-256-GCM under a key kept outside the database.
create table webhook_endpoint (
    endpoint_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    kind text not null,
    name text not null,
    -- json / discord: where to post; telegram: null (the bot API is configured)
    url text,
    telegram_chat_id text,
    -- json: the signing secret; telegram: the bot token; discord: null (the URL holds its key)
    secret_sealed bytea,
    created_at timestamptz not null default now(),
    constraint webhook_endpoint_kind_known check (kind in ('json', 'discord', 'telegram')),
    constraint webhook_endpoint_name_length check (char_length(name) between 1 and 60),
    constraint webhook_endpoint_url_length check (char_length(url) <= 2000),
    constraint webhook_endpoint_chat_length check (char_length(telegram_chat_id) <= 64),
    constraint webhook_endpoint_has_target check (
        (kind = 'telegram' and telegram_chat_id is not null and secret_sealed is not null)
        or (kind <> 'telegram' and url is not null))
);

create index webhook_endpoint_account_idx on webhook_endpoint (account_id, created_at);
