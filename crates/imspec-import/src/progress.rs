//! Progress as values: what the import is doing, handed to the caller's observer as [`Event`]s
//! (the CLI draws a bar or a plain line from them; a service forwards them, a test counts them).
//! Nothing here prints.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What the import tells its observer while it runs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A phase began: `register`, `check_first`, `send`, `verify`, `reconcile` (an undo's
    /// phases carry the same names).
    Phase(&'static str),
    /// Sending began: `total` edges are pending.
    Sending { total: u64 },
    /// Edges were answered while sending.
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
    done: AtomicU64,
    failed: AtomicU64,
    started: Instant,
    observer: Observer,
}

impl Progress {
    pub fn start(total: u64, observer: &Observer) -> Progress {
        observer.emit(Event::Sending { total });
        Progress(Arc::new(Inner {
            total,
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            started: Instant::now(),
            observer: observer.clone(),
        }))
    }

    pub fn advance(&self, edges: u64, failed: u64) {
        self.0.done.fetch_add(edges, Ordering::Relaxed);
        self.0.failed.fetch_add(failed, Ordering::Relaxed);
        self.0.observer.emit(Event::Progress(self.counts()));
    }

    pub fn finish(&self) {
        self.0.observer.emit(Event::Sent(self.counts()));
    }

    fn counts(&self) -> Counts {
        Counts {
            done: self.0.done.load(Ordering::Relaxed),
            total: self.0.total,
            failed: self.0.failed.load(Ordering::Relaxed),
            elapsed: self.0.started.elapsed(),
        }
    }
}
