-- Notices about the account itself rather than a listing: "Scout's access at <provider> has
-- ended" when a sign-in provider or linked marketplace refuses to renew it. Such a notice has
-- no listing; `link` is the path on Scout where the person acts on it. It goes through the
-- same inbox and delivery queue as alerts, on the channels of the person's settings.
alter table notification alter column listing_id drop not null;

alter table notification add column link text;
comment on column notification.link is
    'For a notice without a listing: the path on Scout it opens (/account#...).';

alter table notification drop constraint notification_kind_known;
alter table notification add constraint notification_kind_known
    check (kind in ('published', 'back', 'price_drop', 'sold', 'link_expired'));

-- a listing's notice names its listing, an account notice its path, never both
alter table notification add constraint notification_about check (
    case when kind = 'link_expired'
         then listing_id is null and link like '/%' and char_length(link) <= 200
         else listing_id is not null and link is null end);

-- an account notice is told once per source and trigger (listing notices keep their own key,
-- whose listing_id is never null)
create unique index notification_account_once_idx on notification
    (account_id, source, kind, trigger_key) where listing_id is null;
