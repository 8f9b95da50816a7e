//! Progress as values: what the import is doing, handed to the caller's observer as [`Event`]s
//! (the CLI draws a bar or a plain line from them; a service forwards them, a test counts them).
//! Nothing here prints.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the import tells its observer while it runs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A phase of an import began: `register`, `check_first`, `send` or `verify` (a repair
    /// sends and verifies again).
    Phase(&'static str),
    /// Sending began: `total` edges are pending.
    Sending { total: u64 },
    /// Edges were answered while sending. Successive counts never go back: `done` and
    /// `failed` only grow.
    Progress(Counts),
    /// Sending ended (every pending edge answered, or the import was cancelled).
    Sent(Counts),
    /// Something the operator should know that does not stop the import (a journal whose
    /// write-ahead log was lost, a graph with no edge).
    Warning(String),
    /// Where something the operator will need was written (the registered users' generated
    /// fields).
    Notice(String),
}

/// The send phase's counts so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counts {
    /// Edges answered.
    pub done: u64,
    /// Edges pending when sending began.
    pub total: u64,
    /// Edges answered with anything but success.
    pub failed: u64,
    /// Since sending began.
    pub elapsed: Duration,
}

impl Counts {
    /// Edges answered per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 { self.done as f64 / secs } else { 0.0 }
    }

    /// The time the rest takes at the rate so far; `None` before anything was answered.
    pub fn eta(&self) -> Option<Duration> {
        let rate = self.rate();
        (rate > 0.0).then(|| Duration::from_secs_f64(self.total.saturating_sub(self.done) as f64 / rate))
    }
}

/// The caller's observer of [`Event`]s; none by default. Called on the import's tasks: it
/// should return quickly (send the event on a channel, update a bar).
#[derive(Clone, Default)]
pub struct Observer(Option<Arc<Sink>>);

type Sink = dyn Fn(&Event) + Send + Sync;

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Observer(..)" } else { "Observer(none)" })
    }
}

impl Observer {
    pub fn new(f: impl Fn(&Event) + Send + Sync + 'static) -> Observer {
        Observer(Some(Arc::new(f)))
    }

    pub fn emit(&self, event: Event) {
        if let Some(f) = &self.0 {
            f(&event);
        }
    }
}

/// The send phase's counter, shared by its senders.
#[derive(Clone)]
pub struct Progress(Arc<Inner>);

struct Inner {
    total: u64,
    /// Edges answered and, of those, failed. One lock for counting and telling, so the
    /// observer sees the counts in the order they grew.
    answered: Mutex<(u64, u64)>,
    started: Instant,
    observer: Observer,
}

impl Progress {
    pub fn start(total: u64, observer: &Observer) -> Progress {
        observer.emit(Event::Sending { total });
        Progress(Arc::new(Inner {
            total,
            answered: Mutex::new((0, 0)),
            started: Instant::now(),
            observer: observer.clone(),
        }))
    }

    pub fn advance(&self, edges: u64, failed: u64) {
        let mut answered = self.0.answered.lock().unwrap_or_else(|p| p.into_inner());
        answered.0 += edges;
        answered.1 += failed;
        self.0.observer.emit(Event::Progress(self.counts(*answered)));
    }

    pub fn finish(&self) {
        let answered = self.0.answered.lock().unwrap_or_else(|p| p.into_inner());
        self.0.observer.emit(Event::Sent(self.counts(*answered)));
    }

    fn counts(&self, (done, failed): (u64, u64)) -> Counts {
        Counts { done, total: self.0.total, failed, elapsed: self.0.started.elapsed() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_told_from_many_threads_never_go_back() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let observer = Observer::new(move |e| {
            if let Event::Progress(c) = e {
                log.lock().expect("not poisoned").push((c.done, c.failed));
            }
        });
        let progress = Progress::start(8 * 1000 * 3, &observer);
        std::thread::scope(|s| {
            for _ in 0..8 {
                let progress = progress.clone();
                s.spawn(move || (0..1000).for_each(|i| progress.advance(3, u64::from(i % 2 == 0))));
            }
        });
        let seen = seen.lock().expect("not poisoned");
        assert_eq!(seen.len(), 8000);
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1), "counts went back");
        assert_eq!(seen.last(), Some(&(24_000, 4000)));
    }
}
