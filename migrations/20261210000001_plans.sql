-- Plans as data: what each plan costs and what it allows. The operator edits these rows (a
-- price, a quota, which plan everyone without a subscription is on) without a release; the
-- application reads them on every quota check.
create table plan (
    code text primary key,
    name text not null,
    -- order on the pricing page, cheapest first
    position integer not null,
    -- the plan of everyone without a paid subscription (exactly one row)
    is_default boolean not null default false,
    -- prices in euro cents; 0 for a free plan
    monthly_cents integer not null,
    yearly_cents integer not null,
    trial_days integer not null default 0,
    -- Stripe's price ids for the two billing intervals (null until the operator creates them
    -- in Stripe; a plan without one cannot be bought for that interval)
    stripe_price_monthly text unique,
    stripe_price_yearly text unique,
    -- quotas
    active_rules integer not null,
    total_rules integer not null,
    alert_delay_minutes integer not null,
    notifications_per_day integer not null,
    active_listings integer not null,
    photos_per_listing integer not null,
    linked_marketplaces integer not null,
    crossposted_listings integer not null,
    requests_per_minute integer not null,
    push_devices integer not null,
    webhooks integer not null,
    constraint plan_code_shape check (code ~ '^[a-z][a-z0-9_]{0,30}$'),
    constraint plan_prices check (monthly_cents >= 0 and yearly_cents >= 0 and trial_days between 0 and 90),
    constraint plan_quotas check (
        active_rules >= 0 and total_rules >= active_rules and alert_delay_minutes between 0 and 1440
        and notifications_per_day >= 0 and active_listings >= 0 and photos_per_listing >= 1
        and linked_marketplaces >= 0 and crossposted_listings >= 0 and requests_per_minute >= 1
        and push_devices >= 0 and webhooks >= 0)
);
create unique index plan_one_default_idx on plan (is_default) where is_default;

insert into plan (code, name, position, is_default, monthly_cents, yearly_cents, trial_days,
                  active_rules, total_rules, alert_delay_minutes, notifications_per_day,
                  active_listings, photos_per_listing, linked_marketplaces, crossposted_listings,
                  requests_per_minute, push_devices, webhooks)
values ('free',   'Free',   0, true,     0,     0,  0,   3,  50,  0,   50,   5, 20,  1,   5,  300, 10,  5),
       ('pro',    'Pro',    1, false,  999,  9990, 14,  25, 200,  0,  300,  25, 40,  3,  25,  600, 20, 10),
       ('dealer', 'Dealer', 2, false, 4900, 49000, 14, 100, 500,  0, 1000, 200, 50, 10, 200, 1200, 25, 20);

-- The Stripe customer of an account (made on its first checkout).
create table billing_customer (
    account_id uuid primary key references account (account_id) on delete cascade,
    stripe_customer_id text not null unique,
    created_at timestamptz not null default now()
);

-- A Stripe subscription as Scout last read it. Rows are only ever written from what Stripe
-- says (a webhook's object, or the subscription re-read from Stripe), never from a redirect.
create table subscription (
    stripe_subscription_id text primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    plan_code text not null references plan (code),
    status text not null,
    billing_interval text not null,
    current_period_end timestamptz,
    cancel_at_period_end boolean not null default false,
    trial_end timestamptz,
    -- when a payment first failed; the plan's quotas hold until `grace_until`
    past_due_since timestamptz,
    grace_until timestamptz,
    updated_at timestamptz not null default now(),
    constraint subscription_status_known check (status in (
        'incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled',
        'unpaid', 'paused')),
    constraint subscription_interval_known check (billing_interval in ('month', 'year'))
);
create index subscription_account_idx on subscription (account_id);

-- Each Stripe event applied, recorded in the transaction that applied it: a redelivery is
-- recognised and changes nothing.
create table stripe_event (
    event_id text primary key,
    event_type text not null,
    received_at timestamptz not null default now()
);

-- Invoices as Stripe sent them, for the billing page (the PDF stays at Stripe).
create table invoice (
    stripe_invoice_id text primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    status text not null,
    amount_cents bigint not null,
    currency text not null,
    created_at timestamptz not null,
    pdf_url text,
    hosted_url text
);
create index invoice_account_idx on invoice (account_id, created_at desc);

-- Alert rules the plan paused when the account moved to a plan with fewer active alerts:
-- the person is told, and can resume them when there is room again.
alter table alert_rule add column paused_by_plan boolean not null default false;

-- Account notices about billing: "alerts were paused by your plan", "a payment failed", "your
-- trial ends soon". They go through the inbox and delivery queue like `link_expired`.
alter table notification drop constraint notification_kind_known;
alter table notification add constraint notification_kind_known
    check (kind in ('published', 'back', 'price_drop', 'sold', 'link_expired', 'plan_paused',
                    'payment_failed', 'trial_ending'));
alter table notification drop constraint notification_about;
alter table notification add constraint notification_about check (
    case when kind in ('link_expired', 'plan_paused', 'payment_failed', 'trial_ending')
         then listing_id is null and link like '/%' and char_length(link) <= 200
         else listing_id is not null and link is null end);

-- The plan an account is on now: its best subscription in good standing (trialing, active, or
-- past due within the grace period), else the default plan. The one definition both the
-- application's quota checks and its background enforcement use.
create function account_plan(account uuid) returns text
language sql stable as $$
    select coalesce(
        (select s.plan_code from subscription s join plan p on p.code = s.plan_code
         where s.account_id = account
           and (s.status in ('trialing', 'active')
                or (s.status = 'past_due' and s.grace_until > now()))
         order by p.position desc limit 1),
        (select code from plan where is_default))
$$;
