//! Alert matching at scale: loads 1,000,000 rules of realistic variety (`alerts::sample`:
//! Zipf-popular makes and models, most rules bounded by price, many by year, mileage, fuel or
//! distance, some with words) and matches newly published listings against them on one
//! thread. Reports p50/p99/max per listing, candidates and matches per listing, the time to
//! load the rules and the heap they take.
//!
//!     cargo bench --bench alerts --features ssr
//!     SCOUT_BENCH_RULES=100000 SCOUT_BENCH_LISTINGS=2000 cargo bench --bench alerts --features ssr
#![expect(clippy::unwrap_used, reason = "a benchmark: fail loudly")]

use rand::{SeedableRng, rngs::StdRng};
use scout::accounts::model::AccountId;
use scout::alerts::{
    matcher::{Listing, Matcher},
    sample,
};
use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

/// Counts live heap bytes.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn at<T: Copy>(sorted: &[T], p: f64) -> T {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let rules = env("SCOUT_BENCH_RULES", 1_000_000);
    let listings = env("SCOUT_BENCH_LISTINGS", 10_000);
    let now = time::OffsetDateTime::now_utc();
    let mut rng = StdRng::seed_from_u64(2026);
    let accounts: Vec<AccountId> = (0..rules / 3 + 1).map(|_| AccountId::random()).collect();

    let generated: Vec<_> = (0..rules)
        .map(|i| sample::rule(&mut rng, i as i64 + 1, accounts[i / 3]))
        .collect();
    let before = LIVE.load(Ordering::Relaxed);
    let started = Instant::now();
    let matcher = Matcher::build(generated);
    let load = started.elapsed();
    // the rules' own data moved into the matcher, so the difference is the candidate lists;
    // the whole matcher is everything allocated since the accounts
    let heap = LIVE.load(Ordering::Relaxed);
    println!(
        "rules: {} loaded in {:.1} s; heap with the matcher {:.0} MiB ({:.0} MiB of it candidate lists and slots)",
        matcher.len(),
        load.as_secs_f64(),
        heap as f64 / 1048576.0,
        heap.saturating_sub(before) as f64 / 1048576.0,
    );

    let sampled: Vec<_> = (0..listings)
        .map(|i| {
            let (row, text) = sample::listing(&mut rng, i as i64 + 1, now);
            (row, sample::text(&text))
        })
        .collect();
    // warm up
    for (row, text) in sampled.iter().take(200) {
        std::hint::black_box(matcher.matching(&Listing { row, text }, now));
    }
    let mut times = Vec::with_capacity(listings);
    let mut found = Vec::with_capacity(listings);
    let mut candidates = Vec::with_capacity(listings);
    let mut checked = Vec::with_capacity(listings);
    let mut bounds_only = Vec::with_capacity(listings);
    for (row, text) in &sampled {
        let started = Instant::now();
        let matched = matcher.matching(&Listing { row, text }, now);
        times.push(started.elapsed());
        found.push(matched.len());
        let started = Instant::now();
        let (passed, full) = matcher.candidate_count(row);
        bounds_only.push(started.elapsed());
        candidates.push(passed);
        checked.push(full);
    }
    times.sort_unstable();
    bounds_only.sort_unstable();
    found.sort_unstable();
    candidates.sort_unstable();
    checked.sort_unstable();
    println!(
        "per listing ({listings} listings, one thread): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ms(at(&times, 0.5)),
        ms(at(&times, 0.99)),
        ms(*times.last().unwrap()),
    );
    println!(
        "the structured bounds alone (no words, equipment or keywords): p50 {:.3} ms, p99 {:.3} ms",
        ms(at(&bounds_only, 0.5)),
        ms(at(&bounds_only, 0.99)),
    );
    println!(
        "past the exact check: p50 {}, p99 {}, max {}; distinct word/equipment criteria the engine decided: p50 {}, p99 {}; rules matched: p50 {}, p99 {}, max {}",
        at(&candidates, 0.5),
        at(&candidates, 0.99),
        candidates.last().unwrap(),
        at(&checked, 0.5),
        at(&checked, 0.99),
        at(&found, 0.5),
        at(&found, 0.99),
        found.last().unwrap(),
    );
}
