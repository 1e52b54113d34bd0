-- Sign-in addresses are verified: a new account can't sign in, and gets no alert email at its
-- sign-in address, until someone opens the link mailed to that address. Accounts made before
-- this migration were never verified: they keep their sessions (with a banner asking them to
-- confirm), their next sign-in mails them a link, and alert email waits until they confirm.
alter table account add column email_verified_at timestamptz;

-- Every mail a sign-up (or a sign-in to an unconfirmed account) sends to an account's address:
-- a confirmation link (`token_sha256`, kept only as its SHA-256, valid 24 hours, single use)
-- or, when the address already has a confirmed account, a notice without a link
-- (`token_sha256` null). A sign-up for an address whose account is still unconfirmed carries
-- its own password (`password_hash`): opening that link sets it, so whoever can read the
-- mailbox ends up with the password they chose, not one a stranger typed first.
-- Counted per account to keep a mailbox from being flooded (src/accounts/repo.rs).
create table email_verification (
    email_verification_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    token_sha256 bytea unique,
    password_hash text,
    created_at timestamptz not null default now(),
    used_at timestamptz,
    constraint email_verification_password_needs_link
        check (password_hash is null or token_sha256 is not null)
);
create index email_verification_account_idx on email_verification (account_id, created_at);

