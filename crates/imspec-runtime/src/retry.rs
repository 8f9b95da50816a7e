//! When and how often to try a call again: exponential backoff with jitter, only for failures
//! that a retry can fix, within an attempt and time budget per chunk.

use std::time::Duration;

use backon::BackoffBuilder as _;

use crate::code::ErrorClass;

/// Why a call failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No usable answer: connection refused or dropped, timeout, HTTP 5xx. The work may or may
    /// not have been done; the outcome model settles that on the retry.
    Transport,
    /// The service answered with a code of this class (`None`: a code the spec does not list).
    Code(Option<ErrorClass>),
}

/// Retry budget and backoff shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 8).
    pub max_attempts: u32,
    /// Total time the waits between attempts may take (default 60 s). The caller also keeps a
    /// per-chunk deadline, so that the calls' own durations count against the same budget.
    pub within: Duration,
    /// First wait (default 200 ms); each next one doubles, with jitter.
    pub min_delay: Duration,
    /// Longest single wait before jitter (default 10 s); jitter adds up to as much again.
    pub max_delay: Duration,
    /// Whether items the service refused with a retryable code, in an answer that took other
    /// items of the same call, are tried again within their chunk (default true). A bulk
    /// loader that gathers such items from many chunks into full calls of its own turns this
    /// off: a retry of two items in a call of their own spends a call of the rate as a full
    /// one does. A call refused as a whole (rate limited, a transport failure) is retried
    /// either way.
    pub items: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            within: Duration::from_secs(60),
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            items: true,
        }
    }
}

impl RetryPolicy {
    /// Whether a retry may fix this failure: transport failures and the classes the spec marks
    /// retryable or rate-limited. Caller errors, credential errors, permanent refusals, codes
    /// the spec does not list, and successes of another kind are never retried.
    pub fn retries(&self, failure: Failure) -> bool {
        match failure {
            Failure::Transport => true,
            Failure::Code(Some(class)) => class.is_retryable(),
            Failure::Code(None) => false,
        }
    }

    /// The waits before attempts 2, 3, ...: at most `max_attempts - 1` of them, summing to at
    /// most `within`. `seed` makes the jitter reproducible.
    pub fn delays(&self, seed: u64) -> impl Iterator<Item = Duration> {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_total_delay(Some(self.within))
            .with_jitter()
            .with_jitter_seed(seed)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_a_retry_can_fix_is_retried() {
        let p = RetryPolicy::default();
        assert!(p.retries(Failure::Transport));
        assert!(p.retries(Failure::Code(Some(ErrorClass::Retryable))));
        assert!(p.retries(Failure::Code(Some(ErrorClass::RateLimited))));
        for class in [
            ErrorClass::CallerError,
            ErrorClass::Auth,
            ErrorClass::Permanent,
            ErrorClass::Pending,
            ErrorClass::AlreadyDone,
        ] {
            assert!(!p.retries(Failure::Code(Some(class))), "{class:?}");
        }
        assert!(!p.retries(Failure::Code(None)));
    }

    #[test]
    fn the_default_budget_is_8_attempts_within_60_seconds() {
        for seed in 0..200 {
            let delays: Vec<Duration> = RetryPolicy::default().delays(seed).collect();
            assert!(delays.len() <= 7, "{} waits", delays.len());
            assert!(delays.iter().sum::<Duration>() <= Duration::from_secs(60));
            assert!(delays.iter().all(|d| *d <= Duration::from_secs(20)), "{delays:?}");
        }
        // The waits grow: the last is longer than the first.
        let d: Vec<Duration> = RetryPolicy::default().delays(7).collect();
        assert!(d.last() > d.first(), "{d:?}");
    }

    #[test]
    fn a_small_time_budget_cuts_the_attempts() {
        let p = RetryPolicy { within: Duration::from_millis(500), ..RetryPolicy::default() };
        let delays: Vec<Duration> = p.delays(1).collect();
        assert!(delays.iter().sum::<Duration>() <= Duration::from_millis(500), "{delays:?}");
        assert!(delays.len() < 7);
    }
}
