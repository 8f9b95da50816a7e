//! Rate limits, read as DESIGN says: a vendor's "N calls/s" is a token bucket of capacity N
//! refilled at N per second, which never rejects a call it has a token for.
//!
//! - [`TokenBucket`]: that bucket, exactly — what the emulator enforces.
//! - [`Pacer`]: the client side — GCRA (via `governor`) at a margin below N with a burst of at
//!   most N/2, shared by every clone, so that such a bucket never rejects the client even when
//!   the network delays calls unevenly.
//! - [`Pace`]: what the client asks of a pacer — wait until a call may go. [`Pacer`] is the
//!   in-process one; [`shared::SharedPacer`] takes the same slots from a bucket in Redis that
//!   every process calling the app shares (with the `shared-pacing` feature).
//! - [`budget_key`]: which bucket an API's calls draw from.

#[cfg(feature = "shared-pacing")]
pub mod shared;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::api::{ApiInfo, RateLimit};

/// The rate budget an API's calls draw from: its own, or one several APIs share (the spec's
/// `rate_limit.budget`).
pub fn budget_key(info: &ApiInfo) -> &'static str {
    info.rate_limit.budget
}

/// What the client asks of a pacer: wait until a call may go.
pub trait Pace: std::fmt::Debug + Send + Sync {
    /// Resolves when the next call may be sent.
    fn acquire(&self) -> BoxFuture<'_, ()>;
    /// The service blocks every call for `penalty` (it answered one over its limit, and says
    /// it then refuses all for that long): no call is let through before it ends.
    fn hold(&self, penalty: Duration) {
        let _ = penalty;
    }
}

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// A token bucket of capacity N refilled continuously at N tokens per second, starting full.
/// Time is given in nanoseconds from any origin, so callers (and tests) choose the clock.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    per_second: u128,
    /// Tokens, in billionths (exact integer arithmetic: N tokens/s = N billionths per ns).
    nano_tokens: u128,
    last_ns: u128,
    /// After a refusal, every take is refused this long (ns; 0: no penalty).
    penalty_ns: u128,
    /// Refusing every take until then.
    blocked_until_ns: u128,
}

impl TokenBucket {
    pub fn new(per_second: u32) -> Self {
        let per_second = u128::from(per_second);
        TokenBucket {
            per_second,
            nano_tokens: per_second * NANOS_PER_SEC,
            last_ns: 0,
            penalty_ns: 0,
            blocked_until_ns: 0,
        }
    }

    /// The bucket of a service that, once it refused a call over its limit, refuses every call
    /// for `penalty_seconds` (the limit's `penalty_seconds`).
    pub fn penalized(self, penalty_seconds: Option<u64>) -> Self {
        TokenBucket { penalty_ns: u128::from(penalty_seconds.unwrap_or(0)) * NANOS_PER_SEC, ..self }
    }

    /// Takes a token at `now_ns` if there is one; `false` means the call is over the limit.
    /// Times earlier than the last one seen are treated as that time.
    pub fn try_take(&mut self, now_ns: u128) -> bool {
        let now = now_ns.max(self.last_ns);
        if now < self.blocked_until_ns {
            return false;
        }
        let capacity = self.per_second * NANOS_PER_SEC;
        let refill = (now - self.last_ns).saturating_mul(self.per_second);
        self.nano_tokens = self.nano_tokens.saturating_add(refill).min(capacity);
        self.last_ns = now;
        if self.nano_tokens >= NANOS_PER_SEC {
            self.nano_tokens -= NANOS_PER_SEC;
            true
        } else {
            self.blocked_until_ns = now.saturating_add(self.penalty_ns);
            false
        }
    }
}

/// How far below a documented rate a client paces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    /// Fraction of the rate kept in reserve (default 0.10: pace at 90% of N).
    pub margin: f64,
    /// Most calls sent back to back after a pause; at most N/2 whatever is set here.
    pub max_burst: Option<u32>,
    /// No pacing at all: for benchmarks against an emulator whose rate limits are off, never
    /// for a vendor (which would refuse the calls over its rate).
    pub unpaced: bool,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing { margin: 0.10, max_burst: None, unpaced: false }
    }
}

impl Pacing {
    /// The paced rate and burst for a documented limit: `N·(1−margin)` calls per second (not
    /// rounded: 98% of 20 is 19.6), and a burst of `max(1, min(N/2, max_burst))`.
    pub fn quota(&self, limit: &RateLimit) -> (f64, u32) {
        let n = limit.per_second.max(1);
        let margin = if self.margin.is_finite() { self.margin.clamp(0.0, 0.99) } else { 0.10 };
        let rate = f64::from(n) * (1.0 - margin);
        let burst = (n / 2).min(self.max_burst.unwrap_or(u32::MAX)).max(1);
        (rate, burst)
    }
}

/// The pace of [`Pacing::unpaced`]: every call may go now.
#[derive(Debug)]
pub struct Unpaced;

impl Pace for Unpaced {
    fn acquire(&self) -> BoxFuture<'_, ()> {
        Box::pin(std::future::ready(()))
    }
}

type Gcra<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A client-side pacer for one API and scope. Clones share one state, so every task and clone
/// of a client draws from the same allowance.
#[derive(Debug, Clone)]
pub struct Pacer<C: Clock + Clone = DefaultClock> {
    limiter: Arc<Gcra<C>>,
    clock: C,
    rate: f64,
    burst: u32,
    /// Until when the service refuses every call ([`Pace::hold`]).
    held: Arc<std::sync::Mutex<Option<tokio::time::Instant>>>,
}

impl Pacer<DefaultClock> {
    pub fn new(limit: &RateLimit, pacing: Pacing) -> Self {
        Pacer::with_clock(limit, pacing, DefaultClock::default())
    }
}

impl<C: Clock + Clone> Pacer<C> {
    /// A pacer on a given clock (tests pass governor's fake clock).
    pub fn with_clock(limit: &RateLimit, pacing: Pacing, clock: C) -> Self {
        let (rate, burst) = pacing.quota(limit);
        let nz = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        let period = Duration::from_nanos((1e9 / rate).ceil() as u64);
        let quota =
            Quota::with_period(period).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN)).allow_burst(nz(burst));
        Pacer {
            limiter: Arc::new(RateLimiter::direct_with_clock(quota, clock.clone())),
            clock,
            rate,
            burst,
            held: Arc::default(),
        }
    }

    /// Calls per second and burst this pacer allows.
    pub fn quota(&self) -> (f64, u32) {
        (self.rate, self.burst)
    }

    /// Takes a slot now, or says how long to wait before asking again.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        self.limiter.check().map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

impl<C: Clock + Clone> Pacer<C> {
    /// When the hold ahead ends; `None` when none is.
    fn held_until(&self) -> Option<tokio::time::Instant> {
        let until = *self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        until.filter(|u| *u > tokio::time::Instant::now())
    }
}

impl Pace for Pacer<DefaultClock> {
    fn acquire(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            loop {
                // A hold may begin or grow while a call waits for its slot: a slot is only
                // taken with no hold ahead, and given up when one began meanwhile.
                while let Some(until) = self.held_until() {
                    tracing::debug!(wait_ms = (until - tokio::time::Instant::now()).as_millis() as u64, "held");
                    tokio::time::sleep_until(until).await;
                }
                match self.try_acquire() {
                    Ok(()) if self.held_until().is_none() => return,
                    Ok(()) => {}
                    Err(wait) => {
                        tracing::trace!(wait_ms = wait.as_millis() as u64, "pacing");
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        })
    }

    fn hold(&self, penalty: Duration) {
        // A penalty too long for the clock holds as long as it can say.
        let now = tokio::time::Instant::now();
        let until = now.checked_add(penalty).unwrap_or_else(|| now + Duration::from_secs(u64::from(u32::MAX)));
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.is_none_or(|h| h < until) {
            *held = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::RateScope;
    use crate::code::Code;

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

    #[test]
    fn the_bucket_holds_n_and_refills_n_per_second() {
        let mut b = TokenBucket::new(20);
        assert!((0..20).all(|_| b.try_take(0)));
        assert!(!b.try_take(0));
        assert!(!b.try_take(49_999_999)); // 1/20 s is 50 ms
        assert!(b.try_take(50_000_000));
        assert!(!b.try_take(50_000_001));
        // After a long pause it is full again, never fuller.
        assert_eq!((0..25).filter(|_| b.try_take(10 * NANOS_PER_SEC)).count(), 20);
    }

    #[test]
    fn pacing_is_90_percent_with_half_burst_by_default() {
        let q = |p: Pacing, n: u32| {
            let (rate, burst) = p.quota(&limit(n));
            ((rate * 1000.0).round() / 1000.0, burst)
        };
        assert_eq!(q(Pacing::default(), 20), (18.0, 10));
        assert_eq!(q(Pacing::default(), 100), (90.0, 50));
        assert_eq!(q(Pacing { margin: 0.02, max_burst: None, unpaced: false }, 100), (98.0, 50));
        assert_eq!(
            q(Pacing { margin: 0.02, max_burst: None, unpaced: false }, 20),
            (19.6, 10),
            "not rounded down to 19"
        );
        assert_eq!(q(Pacing { margin: 0.10, max_burst: Some(3), unpaced: false }, 200), (180.0, 3));
        assert_eq!(q(Pacing::default(), 1), (0.9, 1), "the margin holds at N = 1 too");
    }

    #[test]
    fn a_penalized_bucket_refuses_everything_while_blocked() {
        let second = NANOS_PER_SEC;
        let mut b = TokenBucket::new(2).penalized(Some(10));
        assert!(b.try_take(0) && b.try_take(0));
        assert!(!b.try_take(0), "over the limit");
        // Refilled after a second, but blocked for ten.
        assert!(!b.try_take(5 * second));
        assert!(!b.try_take(10 * second - 1));
        assert!(b.try_take(10 * second));
        // Without a penalty, a refill is enough.
        let mut free = TokenBucket::new(2).penalized(None);
        assert!(free.try_take(0) && free.try_take(0) && !free.try_take(0));
        assert!(free.try_take(second));
    }

    #[tokio::test(start_paused = true)]
    async fn a_held_pacer_lets_no_call_through_before_the_hold_ends() {
        let pacer = Pacer::new(&limit(100), Pacing::default());
        let started = tokio::time::Instant::now();
        pacer.acquire().await;
        assert!(started.elapsed() < Duration::from_millis(1), "a fresh pacer lets a call go at once");
        pacer.hold(Duration::from_secs(10));
        // A shorter hold does not shorten a longer one.
        pacer.hold(Duration::from_secs(1));
        pacer.acquire().await;
        assert!(started.elapsed() >= Duration::from_secs(10), "held back {:?}", started.elapsed());
    }
}
