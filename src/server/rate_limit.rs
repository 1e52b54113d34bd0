//! Requests per minute, per plan (`plan.requests_per_minute`): a signed-in account by its
//! id, anyone else by their address (at the default plan's rate, or
//! `SCOUT_ANONYMOUS_REQUESTS_PER_MINUTE`). Every counted answer carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the window starts again);
//! past the limit the answer is 429 with `Retry-After`: the JSON error for a server function,
//! a short page that reloads itself when the wait is over for a page.
//!
//! Counted: pages, server functions and the other routes inside the session layer. Not
//! counted: assets, photos, probes and the Stripe webhook, which sit outside it. The windows
//! live in this process: with several processes behind a balancer each allows the rate.

use crate::accounts::model::AccountId;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_secs(60);
/// How long an account's rate is remembered before its plan is read again.
const PLAN_TTL: Duration = Duration::from_secs(60);

/// Who a window counts: an account, or an address of someone signed out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Account(AccountId),
    Address(String),
}

struct Window {
    start: Instant,
    count: u32,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window starts again.
    pub reset_secs: u64,
}

/// Fixed one-minute windows per key, and each account's rate from its plan.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<Key, Window>>,
    rates: Mutex<HashMap<Option<AccountId>, (u32, Instant)>>,
}

impl RateLimiter {
    /// Reads `account`'s plan again on its next request (after its plan changed).
    pub fn forget(&self, account: AccountId) {
        self.rates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&Some(account));
    }

    /// `account`'s rate as last read from its plan, if that was under a minute ago.
    pub fn cached_rate(&self, account: Option<AccountId>, now: Instant) -> Option<u32> {
        self.rates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account)
            .filter(|(_, at)| now.duration_since(*at) < PLAN_TTL)
            .map(|(rpm, _)| *rpm)
    }

    /// Remembers `account`'s rate as read from its plan now.
    pub fn remember_rate(&self, account: Option<AccountId>, rpm: u32, now: Instant) {
        let mut rates = self.rates.lock().unwrap_or_else(|p| p.into_inner());
        if rates.len() > 50_000 {
            rates.retain(|_, (_, at)| now.duration_since(*at) < PLAN_TTL);
        }
        rates.insert(account, (rpm, now));
    }

    /// Counts one request of `key` against `limit` a minute.
    pub fn count(&self, key: Key, limit: u32, now: Instant) -> Decision {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 50_000 {
            windows.retain(|_, w| now.duration_since(w.start) < WINDOW);
        }
        let w = windows.entry(key).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        let left = WINDOW.saturating_sub(now.duration_since(w.start));
        let reset_secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        if w.count >= limit {
            return Decision {
                allowed: false,
                limit,
                remaining: 0,
                reset_secs: reset_secs.max(1),
            };
        }
        w.count += 1;
        Decision {
            allowed: true,
            limit,
            remaining: limit - w.count,
            reset_secs: reset_secs.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_allows_its_rate_then_refuses_until_it_starts_again() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        let ana = || Key::Address("10.0.0.1".into());
        for n in 1..=3u32 {
            let d = limiter.count(ana(), 3, t0 + Duration::from_secs(u64::from(n)));
            assert!(d.allowed);
            assert_eq!((d.limit, d.remaining), (3, 3 - n));
        }
        let refused = limiter.count(ana(), 3, t0 + Duration::from_secs(20));
        assert_eq!(
            refused,
            Decision {
                allowed: false,
                limit: 3,
                remaining: 0,
                reset_secs: 41
            }
        );
        // another key has its own window
        assert!(
            limiter
                .count(Key::Address("10.0.0.2".into()), 3, t0)
                .allowed
        );
        // a minute after the window began, it starts again
        let again = limiter.count(ana(), 3, t0 + Duration::from_secs(61));
        assert!(again.allowed);
        assert_eq!((again.remaining, again.reset_secs), (2, 60));
    }
}
