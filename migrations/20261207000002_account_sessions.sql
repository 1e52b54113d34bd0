-- Where each account is signed in, as Settings lists it: which browser (its User-Agent), from
-- which client address, since when, last seen. The session record (tower-sessions) holds the
-- row's `handle`; deleting the row (signing that device out from another one) ends the
-- session on its next request. Rows of sessions past their idle or absolute expiry go with
-- the housekeeping.
create table account_session (
    handle uuid primary key default gen_random_uuid(),
    account_id uuid not null references account (account_id) on delete cascade,
    -- "keep me signed in": 30 days idle / 90 absolute instead of 2 hours / 12
    remembered boolean not null default false,
    user_agent text not null default '',
    client_ip text not null default '',
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    constraint account_session_agent_length check (char_length(user_agent) <= 512),
    constraint account_session_ip_length check (char_length(client_ip) <= 64)
);
create index account_session_account_idx on account_session (account_id, last_seen_at);
