-- Accounts and sign-in throttling.
-- Never edit a migration that has been applied anywhere: add a new one (see migrations/README.md).

create or replace function set_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at = now();
    return new;
end;
$$;

create table account (
    account_id uuid primary key default gen_random_uuid(),
    -- normalised by the application (trimmed, lower-cased) before it is stored
    email text not null,
    -- argon2id PHC string: algorithm, parameters, salt and hash
    password_hash text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint account_email_key unique (email),
    constraint account_email_normalised check (email = lower(btrim(email)))
);

create trigger account_set_updated_at before update on account
    for each row execute function set_updated_at();

-- One row per failed sign-in, kept for a day; counted per email and per client address
-- to throttle password guessing. Emails here need not belong to an account.
create table sign_in_failure (
    sign_in_failure_id bigint generated always as identity primary key,
    email text not null,
    -- the client's IP address as text (from the socket, or X-Forwarded-For behind a trusted proxy)
    client_ip text not null,
    created_at timestamptz not null default now()
);

create index sign_in_failure_email_idx on sign_in_failure (email, created_at);
create index sign_in_failure_client_ip_idx on sign_in_failure (client_ip, created_at);
