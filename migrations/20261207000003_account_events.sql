-- The account's security log, as the Account page shows it to its owner: each sign-in, each
-- session ended from elsewhere, each change of password or address, with the browser and the
-- client address it came from. Kept a year (the housekeeping deletes older rows); it goes
-- with the account.
create table account_event (
    event_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    kind text not null,
    user_agent text not null default '',
    client_ip text not null default '',
    at timestamptz not null default now(),
    constraint account_event_kind check (kind in (
        'signed_in', 'address_confirmed', 'password_changed', 'password_reset',
        'session_ended', 'other_sessions_ended', 'data_exported', 'profile_changed',
        'email_change_requested', 'email_changed', 'provider_linked', 'signed_up_with_provider'
    )),
    constraint account_event_agent_length check (char_length(user_agent) <= 512),
    constraint account_event_ip_length check (char_length(client_ip) <= 64)
);
create index account_event_account_idx on account_event (account_id, at desc);
