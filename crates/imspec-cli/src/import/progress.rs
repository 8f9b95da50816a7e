//! Progress on standard error: a bar on a terminal (edges done / total, edges/s, ETA,
//! failures), a plain line every few seconds otherwise.

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct Progress(Arc<Inner>);

struct Inner {
    total: u64,
    done: AtomicU64,
    failed: AtomicU64,
    finished: AtomicBool,
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
}

/// Seconds between plain lines.
const EVERY: Duration = Duration::from_secs(5);

impl Progress {
    pub fn start(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            let style =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} edges  {per_sec}  ETA {eta}  {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        let inner = Arc::new(Inner {
            total,
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            finished: AtomicBool::new(false),
            bar,
            started: Instant::now(),
        });
        if inner.bar.is_none() && total > 0 {
            let weak = Arc::downgrade(&inner);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(EVERY).await;
                    let Some(p) = weak.upgrade() else { break };
                    if p.finished.load(Ordering::Relaxed) {
                        break;
                    }
                    eprintln!("{}", p.line());
                }
            });
        }
        Progress(inner)
    }

    pub fn advance(&self, edges: u64, failed: u64) {
        self.0.done.fetch_add(edges, Ordering::Relaxed);
        let failures = self.0.failed.fetch_add(failed, Ordering::Relaxed) + failed;
        if let Some(bar) = &self.0.bar {
            bar.inc(edges);
            if failed > 0 {
                bar.set_message(format!("{failures} not added"));
            }
        }
    }

    pub fn finish(&self) {
        self.0.finished.store(true, Ordering::Relaxed);
        if let Some(bar) = &self.0.bar {
            bar.finish_and_clear();
        }
    }
}

impl Inner {
    fn line(&self) -> String {
        let done = self.done.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
        let eta =
            if rate > 0.0 { format!("{:.0} s", (self.total.saturating_sub(done)) as f64 / rate) } else { "?".into() };
        format!(
            "import: {done}/{} edges, {rate:.1} edges/s, ETA {eta}, {} not added",
            self.total,
            self.failed.load(Ordering::Relaxed)
        )
    }
}
