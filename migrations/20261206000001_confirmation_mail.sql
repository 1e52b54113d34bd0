-- Every confirmation link Scout mails, so that saving Settings can't be used to flood
-- someone's mailbox: at most one link per account per 5 minutes, whatever the address, and
-- a few per address a day (src/notifications/settings.rs). Rows older than a day go.
create table confirmation_mail (
    confirmation_mail_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    recipient text not null,
    sent_at timestamptz not null default now()
);
create index confirmation_mail_account_idx on confirmation_mail (account_id, sent_at);
create index confirmation_mail_recipient_idx on confirmation_mail (recipient, sent_at);
