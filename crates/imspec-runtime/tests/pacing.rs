//! The client's pacer never makes the vendor's bucket reject it — at the default 10% margin
//! and at 2%, for every documented rate, with the network delaying each call by a different
//! amount — and it still uses about (1 − margin) of the rate.

use std::time::Duration;

use governor::clock::FakeRelativeClock;
use imspec_runtime::ratelimit::{Pacer, Pacing, TokenBucket};
use imspec_runtime::{Code, RateLimit, RateScope};
use proptest::prelude::*;

fn limit(n: u32) -> RateLimit {
    RateLimit {
        per_second: n,
        scope: RateScope::App,
        raisable: false,
        answer: Code::Int(1),
        budget: "test",
        penalty_seconds: None,
    }
}

/// Send times (ns) of `calls` calls made as fast as the pacer allows, with idle pauses after
/// the calls listed in `pauses` (so bursts can build up again).
fn schedule(
    pacer: &Pacer<FakeRelativeClock>,
    clock: &FakeRelativeClock,
    calls: usize,
    pauses: &[(usize, u64)],
) -> Vec<u128> {
    let mut now: u128 = 0;
    let mut out = Vec::with_capacity(calls);
    while out.len() < calls {
        match pacer.try_acquire() {
            Ok(()) => {
                out.push(now);
                if let Some((_, ms)) = pauses.iter().find(|(after, _)| *after == out.len()) {
                    clock.advance(Duration::from_millis(*ms));
                    now += u128::from(*ms) * 1_000_000;
                }
            }
            Err(wait) => {
                let wait = wait.max(Duration::from_nanos(1));
                clock.advance(wait);
                now += wait.as_nanos();
            }
        }
    }
    out
}

/// How many calls a bucket of `n` rejects when they arrive at `arrivals` (any order).
fn rejected(n: u32, mut arrivals: Vec<u128>) -> usize {
    arrivals.sort_unstable();
    let mut bucket = TokenBucket::new(n);
    arrivals.into_iter().filter(|t| !bucket.try_take(*t)).count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_vendor_bucket_never_rejects_a_paced_client(
        n in prop::sample::select(vec![20u32, 100, 200, 300]),
        margin in prop::sample::select(vec![0.10f64, 0.02]),
        jitter_ms in 0u64..300,
        compress in any::<bool>(),
        seed in any::<u64>(),
        pauses in prop::collection::vec((1usize..600, 1u64..3000), 0..4),
    ) {
        let clock = FakeRelativeClock::default();
        let pacer = Pacer::with_clock(&limit(n), Pacing { margin, max_burst: None, unpaced: false }, clock.clone());
        let sends = schedule(&pacer, &clock, n as usize * 3, &pauses);
        // Each call reaches the vendor after its own delay in [0, jitter]: random, or the worst
        // case, where every call sent within one jitter-long window arrives at its end at once.
        let jitter_ns = u128::from(jitter_ms) * 1_000_000;
        let mut x = seed | 1;
        let arrivals: Vec<u128> = sends
            .iter()
            .map(|t| {
                if compress {
                    t + (jitter_ns - t % (jitter_ns + 1))
                } else {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                    t + u128::from(x) % (jitter_ns + 1)
                }
            })
            .collect();
        prop_assert_eq!(rejected(n, arrivals), 0);
    }
}

#[test]
fn an_unpaced_client_is_rejected_so_the_check_can_fail() {
    // 2N calls sent at once: the bucket admits N.
    assert_eq!(rejected(20, vec![0; 40]), 20);
}

#[test]
fn pacing_uses_about_one_minus_the_margin_of_the_rate() {
    for (n, margin) in [(20u32, 0.10f64), (100, 0.10), (100, 0.02)] {
        let clock = FakeRelativeClock::default();
        let pacer = Pacer::with_clock(&limit(n), Pacing { margin, max_burst: None, unpaced: false }, clock.clone());
        let calls = n as usize * 30;
        let sends = schedule(&pacer, &clock, calls, &[]);
        let seconds = *sends.last().expect("sends") as f64 / 1e9;
        let share = calls as f64 / seconds / f64::from(n);
        assert!((share - (1.0 - margin)).abs() < 0.03, "n={n} margin={margin}: {share:.3} of the rate");
    }
}
