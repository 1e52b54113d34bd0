-- What a person shows of themselves on their listings: a display name, and a phone number
-- that buyers see only when its owner asks for it. The phone is kept in E.164 form
-- (+359888123456); the application parses what people type ("0888 123 456").
alter table account
    add column display_name text not null default '',
    add column phone text,
    add column show_phone boolean not null default false,
    add constraint account_display_name_length check (char_length(display_name) <= 60),
    add constraint account_display_name_trimmed check (display_name = btrim(display_name)),
    add constraint account_phone_e164 check (phone ~ '^\+[1-9][0-9]{6,14}$'),
    add constraint account_show_phone_needs_phone check (not show_phone or phone is not null);

-- A change of the sign-in address waits for a link mailed to the new address: kept as the
-- link's SHA-256, valid 24 hours, single use. The account's address changes only when the
-- link is used (and only if no other account has taken the address meanwhile).
create table email_change (
    email_change_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    new_email text not null,
    token_sha256 bytea not null,
    created_at timestamptz not null default now(),
    used_at timestamptz,
    constraint email_change_token_key unique (token_sha256),
    constraint email_change_email_normalised check (new_email = lower(btrim(new_email)))
);
create index email_change_account_idx on email_change (account_id, created_at);
