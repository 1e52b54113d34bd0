-- One-click unsubscribe links are kept only as the SHA-256 of their token: each email gets a
-- fresh random token, and a row says what it stops. The tokens that were stored in the clear
-- (one per rule, two per account) become rows of their own, hashed, so links in emails
-- already sent keep working; then the clear columns go.
create table unsubscribe_link (
    token_sha256 bytea primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    -- 'rule': that rule's email; 'favorites': news about favorites; 'all': all alert email
    what text not null,
    rule_id bigint references alert_rule (rule_id) on delete cascade,
    created_at timestamptz not null default now(),
    constraint unsubscribe_link_what_known check (what in ('rule', 'favorites', 'all')),
    constraint unsubscribe_link_rule check ((what = 'rule') = (rule_id is not null))
);

insert into unsubscribe_link (token_sha256, account_id, what, rule_id)
select sha256(convert_to(unsubscribe_token::text, 'UTF8')), account_id, 'rule', rule_id
from alert_rule;
insert into unsubscribe_link (token_sha256, account_id, what)
select sha256(convert_to(favorites_unsubscribe_token::text, 'UTF8')), account_id, 'favorites'
from account;
insert into unsubscribe_link (token_sha256, account_id, what)
select sha256(convert_to(email_unsubscribe_token::text, 'UTF8')), account_id, 'all'
from account;

alter table alert_rule drop column unsubscribe_token;
alter table account drop column favorites_unsubscribe_token, drop column email_unsubscribe_token;
