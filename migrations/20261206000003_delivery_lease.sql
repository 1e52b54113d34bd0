-- Deliveries are claimed with a lease and sent outside any transaction, so a slow endpoint
-- holds no row lock and no database connection while others' alerts wait. A worker that
-- dies mid-send lets its lease lapse and another takes the delivery over. A channel target
-- that keeps failing is paused for a while (doubling, at most 6 hours) instead of being
-- tried for every alert.
alter table delivery add column lease_until timestamptz;
alter table channel_health add column paused_until timestamptz;
