//! The photo pipeline on real-size photos: a 12-megapixel photo-like JPEG (4000 x 3000,
//! quality 90) through decode, upright, three resizes, three lossy WebP encodes in parallel,
//! placeholder and perceptual hash. Reports median and p95 of wall and CPU time per photo, the
//! share of each step and the peak memory of one job. `SCOUT_BENCH_PHOTOS` sets the runs (30).
#![expect(clippy::unwrap_used, reason = "a benchmark: fail loudly")]

use scout::gallery::{fixtures, pipeline};
use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

/// Counts live heap bytes and their peak.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
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

/// User + system CPU time of the whole process (all threads).
fn cpu() -> Duration {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut u = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap())
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap())
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn at(sorted: &[Duration], p: f64) -> f64 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Peak heap of one job on the files that cost the most memory within the limits: PNGs at
/// the pixel limit in one flat colour (far under the byte limit), 8 bits per channel with
/// alpha, and 16 bits with alpha (8 bytes a pixel decoded: refused at 60 MP by the decoder's
/// allocation cap, so also at the largest size that cap lets through).
fn worst_case() {
    let limits = pipeline::Limits::default();
    fn png<P: image::Pixel + image::PixelWithColorType>(w: u32, h: u32, pixel: P) -> Vec<u8>
    where
        [P::Subpixel]: image::EncodableLayout,
    {
        let picture = image::ImageBuffer::<P, Vec<P::Subpixel>>::from_pixel(w, h, pixel);
        let mut out = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }
    let cases = [
        (
            "8-bit RGBA",
            10_000,
            6_000,
            png(10_000, 6_000, image::Rgba([160u8, 80, 30, 255])),
        ),
        (
            "16-bit RGBA",
            10_000,
            6_000,
            png(
                10_000,
                6_000,
                image::Rgba([40_000u16, 20_000, 9_000, 65_535]),
            ),
        ),
        (
            "16-bit RGBA",
            7_500,
            5_000,
            png(
                7_500,
                5_000,
                image::Rgba([40_000u16, 20_000, 9_000, 65_535]),
            ),
        ),
    ];
    for (kind, w, h, file) in cases {
        assert!(file.len() <= limits.max_bytes);
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let t0 = std::time::Instant::now();
        let outcome = pipeline::process(&file, &limits, pipeline::WEBP_METHOD);
        let peak = PEAK.load(Ordering::Relaxed) - base;
        println!(
            "{w} x {h} {kind} PNG ({:.1} MB): {} in {:.1} s, peak heap {:.0} MiB",
            file.len() as f64 / 1e6,
            match &outcome {
                Ok(_) => "processed".to_string(),
                Err(e) => format!("refused ({e})"),
            },
            t0.elapsed().as_secs_f64(),
            peak as f64 / 1048576.0
        );
    }
}

fn main() {
    if std::env::var("SCOUT_BENCH_WORST").is_ok() {
        worst_case();
        return;
    }
    let runs: usize = std::env::var("SCOUT_BENCH_PHOTOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let file = fixtures::jpeg(&fixtures::photo(4000, 3000, 7));
    println!(
        "input: 4000 x 3000 JPEG, {:.1} MB; {runs} runs per setting after 3 warm-ups",
        file.len() as f64 / 1e6
    );
    let limits = pipeline::Limits::default();
    for method in [pipeline::WEBP_METHOD, 4] {
        for _ in 0..3 {
            pipeline::process(&file, &limits, method).unwrap();
        }
        let (mut wall, mut cpus, mut peaks) = (vec![], vec![], vec![]);
        let mut steps = [Duration::ZERO; 4];
        let mut sizes = Vec::new();
        for _ in 0..runs {
            let base = LIVE.load(Ordering::Relaxed);
            PEAK.store(base, Ordering::Relaxed);
            let (c0, t0) = (cpu(), std::time::Instant::now());
            let done = pipeline::process(&file, &limits, method).unwrap();
            wall.push(t0.elapsed());
            cpus.push(cpu() - c0);
            peaks.push(PEAK.load(Ordering::Relaxed) - base);
            let t = done.timings;
            for (s, d) in
                steps
                    .iter_mut()
                    .zip([t.decode, t.resize, t.encode, t.placeholder_and_hash])
            {
                *s += d;
            }
            sizes = done
                .variants
                .iter()
                .map(|v| (v.kind, v.width, v.webp.len()))
                .collect();
        }
        wall.sort();
        cpus.sort();
        peaks.sort_unstable();
        let total: f64 = steps.iter().map(Duration::as_secs_f64).sum();
        let share = |d: Duration| 100.0 * d.as_secs_f64() / total;
        println!("libwebp method {method}:");
        println!(
            "  wall per photo  median {:6.1} ms  p95 {:6.1} ms",
            at(&wall, 0.5),
            at(&wall, 0.95)
        );
        println!(
            "  CPU per photo   median {:6.1} ms  p95 {:6.1} ms",
            at(&cpus, 0.5),
            at(&cpus, 0.95)
        );
        println!(
            "  peak heap per job  median {:.0} MiB  max {:.0} MiB",
            peaks[peaks.len() / 2] as f64 / 1048576.0,
            *peaks.last().unwrap() as f64 / 1048576.0
        );
        println!(
            "  share of wall: decode {:.0}%, resize {:.0}%, encode (3 in parallel) {:.0}%, placeholder + hash {:.0}%",
            share(steps[0]),
            share(steps[1]),
            share(steps[2]),
            share(steps[3])
        );
        for (kind, width, bytes) in sizes {
            println!(
                "  {:<6} {width:>4} px wide: {:>6.1} kB",
                kind.as_str(),
                bytes as f64 / 1000.0
            );
        }
    }
}
