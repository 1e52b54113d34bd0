-- "Forgot password?": a single-use link, kept only as the SHA-256 of its token, valid for an
-- hour. Using it sets the new password and signs out every session of the account that began
-- before (`sessions_valid_after`, checked on each request that asks who is signed in).
alter table account add column sessions_valid_after timestamptz;

create table password_reset (
    password_reset_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    token_sha256 bytea not null unique,
    created_at timestamptz not null default now(),
    used_at timestamptz
);
create index password_reset_account_idx on password_reset (account_id, created_at);

-- Requests a client makes that cost Scout a password hash or an email (sign-ups, reset
-- links): counted per client address (an IPv6 client per /64) and throttled.
create table client_request (
    client_request_id bigint generated always as identity primary key,
    kind text not null,
    client text not null,
    created_at timestamptz not null default now(),
    constraint client_request_kind_known check (kind in ('sign_up', 'password_reset'))
);
create index client_request_idx on client_request (kind, client, created_at);
