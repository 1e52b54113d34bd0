-- Identities at outside services are of two kinds: "sign_in" (a way to sign in, as before) and
-- "marketplace" (an account at an outside marketplace the person linked so Scout can publish
-- their listings there; never a way to sign in). Provider ids are unique across both kinds.
--
-- The tokens a provider gave when an identity was linked or last used, sealed with
-- Scout's secret key and bound to their row (account and provider), and what Scout knows of
-- the link's health: "connected", "expired" (the provider refused to renew the tokens),
-- "revoked" (the provider says the person withdrew Scout's access) or "failing" (the provider
-- could not be asked; `status_reason` says why in words a person can act on).
alter table account_identity
    add column kind text not null default 'sign_in',
    add column access_token bytea,
    add column refresh_token bytea,
    add column token_expires_at timestamptz,
    -- the scopes the provider granted, space-separated as OAuth writes them
    add column scopes text not null default '',
    add column status text not null default 'connected',
    add column status_reason text not null default '',
    -- when Scout last renewed the tokens or tried to
    add column refreshed_at timestamptz,
    -- a renewal under way holds the row until then (a refresh token may work only once)
    add column renew_lease_until timestamptz,
    add constraint account_identity_kind check (kind in ('sign_in', 'marketplace')),
    add constraint account_identity_status check (
        status in ('connected', 'expired', 'revoked', 'failing')),
    add constraint account_identity_token_lengths check (
        octet_length(access_token) <= 8192 and octet_length(refresh_token) <= 8192
        and char_length(scopes) <= 1000 and char_length(status_reason) <= 300);

-- the renewal worker's question: which links need renewing soon
create index account_identity_renewal_idx on account_identity (token_expires_at)
    where refresh_token is not null and status in ('connected', 'failing');

alter table account_event drop constraint account_event_kind;
alter table account_event add constraint account_event_kind check (kind in (
    'signed_in', 'address_confirmed', 'password_changed', 'password_reset',
    'session_ended', 'other_sessions_ended', 'data_exported', 'profile_changed',
    'email_change_requested', 'email_changed', 'provider_linked', 'signed_up_with_provider',
    'provider_unlinked', 'marketplace_linked', 'marketplace_unlinked'
));
