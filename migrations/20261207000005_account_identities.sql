-- Signing in with an outside provider (Google, any OpenID Connect issuer): each account may
-- have one identity per configured provider, known by the issuer's exact `iss` and its
-- `sub` for the person. An account is never found by the email a provider asserts: a
-- provider's email that belongs to an existing account only leads to "sign in the usual way,
-- then connect". The email is kept as the provider gave it, to show whom the link is to.
create table account_identity (
    identity_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    -- the provider's id in Scout's configuration ("google")
    provider text not null,
    issuer text not null,
    subject text not null,
    email text not null default '',
    created_at timestamptz not null default now(),
    last_used_at timestamptz not null default now(),
    constraint account_identity_key unique (provider, issuer, subject),
    constraint account_identity_one_per_provider unique (account_id, provider),
    constraint account_identity_lengths check (
        char_length(provider) <= 40 and char_length(issuer) <= 255
        and char_length(subject) <= 255 and char_length(email) <= 254)
);

-- An account made by signing up with a provider has no password until its owner chooses one
-- ("Forgot password?" on the sign-in page sets it).
alter table account alter column password_hash drop not null;
