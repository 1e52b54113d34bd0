-- A new address for alert email is used only once its owner opens the link sent to it, so
-- nobody can point Scout's alerts at someone else's inbox. Until then alerts keep going to
-- the address they went to before. The link's token is kept only as its SHA-256.
alter table alert_settings
    add column pending_email text,
    add column pending_token_sha256 bytea,
    add column pending_sent_at timestamptz,
    add constraint alert_settings_pending_length check (char_length(pending_email) <= 254),
    add constraint alert_settings_pending_whole check (
        (pending_email is null) = (pending_token_sha256 is null)
        and (pending_email is null) = (pending_sent_at is null));
create unique index alert_settings_pending_token_idx on alert_settings (pending_token_sha256)
    where pending_token_sha256 is not null;
